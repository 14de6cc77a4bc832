package dev.berth.cri.streaming;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One forwarded TCP connection into a pod, whichever the wire: dials the port on a worker, then copies both ways.
 * The client's end of input shuts down our sending side of the socket; the pod's end of output finishes the
 * client's data stream. The pair is done when both directions ended, or {@link #GRACE} after the pod's side ended
 * (clients that never half-close would otherwise keep it forever), or when aborted.
 */
final class ForwardedPort {
    static final long GRACE_MILLIS = 1000;
    private static final Logger LOG = LoggerFactory.getLogger(ForwardedPort.class);

    private final StreamTarget.PortForward target;
    private final int port;
    private final IoWorkers workers;
    private final OutboundStream data;
    private final OutboundStream error;
    private final InboundPipe toPod;
    private final Runnable onDone;
    private final CountDownLatch clientDone = new CountDownLatch(1);
    private final AtomicBoolean aborted = new AtomicBoolean();
    private final AtomicBoolean done = new AtomicBoolean();
    private volatile SocketChannel socket;

    /**
     * @param data   the client's data stream (pod output goes there)
     * @param error  the client's error stream (dial failures go there)
     * @param toPod  the client's data bytes; this pair starts it once the socket exists
     * @param onDone called once when the pair has ended, from any thread
     */
    ForwardedPort(StreamTarget.PortForward target, int port, IoWorkers workers, OutboundStream data, OutboundStream error,
                  InboundPipe toPod, Runnable onDone) {
        this.target = target;
        this.port = port;
        this.workers = workers;
        this.data = data;
        this.error = error;
        this.toPod = toPod;
        this.onDone = onDone;
    }

    int port() {
        return port;
    }

    void start() {
        workers.execute(this::run);
    }

    /** The client or the connection is gone: close the socket, which ends the copying. Any thread. */
    void abort() {
        if (aborted.compareAndSet(false, true)) {
            toPod.abort();
            SocketChannel s = socket;
            if (s != null) {
                closeQuietly(s);
            }
            clientDone.countDown();
            finished();
        }
    }

    private void run() {
        SocketChannel s;
        try {
            s = target.dial().apply(port);
            if (s == null) {
                throw new IllegalStateException("no connection");
            }
        } catch (RuntimeException e) {
            fail(e.getMessage() == null ? e.toString() : e.getMessage());
            return;
        }
        socket = s;
        // Either abort() sees the socket or this sees the abort: both are volatile/atomic.
        if (aborted.get()) {
            closeQuietly(s);
            return;
        }
        try {
            toPod.start(new ByteSink() {
                private final ByteSink socketSink = ByteSink.of(s);

                @Override
                public void write(ByteBuf b) throws IOException {
                    socketSink.write(b);
                }

                @Override
                public void close() throws IOException {
                    try {
                        socketSink.close();
                    } finally {
                        clientDone.countDown();
                    }
                }
            });
            new OutputPump(OutputPump.of(s), data).run();
            clientDone.await(GRACE_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            closeQuietly(s);
            toPod.abort();
            error.finish();
            finished();
        }
    }

    private void fail(String reason) {
        String msg = "error forwarding port " + port + " to pod " + target.sandboxId() + ": " + reason;
        LOG.debug(msg);
        try {
            if (!aborted.get()) {
                error.write(Unpooled.copiedBuffer(msg, StandardCharsets.UTF_8));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            toPod.abort();
            error.finish();
            data.finish();
            finished();
        }
    }

    private void finished() {
        if (done.compareAndSet(false, true)) {
            onDone.run();
        }
    }

    private static void closeQuietly(SocketChannel s) {
        try {
            s.close();
        } catch (IOException e) {
            LOG.debug("closing a forwarded connection: {}", e.toString());
        }
    }
}
