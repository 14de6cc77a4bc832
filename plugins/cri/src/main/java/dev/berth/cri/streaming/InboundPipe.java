package dev.berth.cri.streaming;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Client bytes on their way to a blocking {@link ByteSink} (a process's stdin, a pod socket). The event loop
 * hands data in; a worker writes it out in order. Data that arrives before the sink exists (the session is still
 * opening, the pod port is still being dialled) waits here. While more than {@link #HIGH_WATER} bytes wait, the
 * connection stops reading, so a sink that does not keep up bounds memory instead of growing a queue.
 */
final class InboundPipe {
    static final int HIGH_WATER = 256 * 1024;
    static final int LOW_WATER = 64 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(InboundPipe.class);

    private final Executor workers;
    private final ReadThrottle throttle;
    private final ArrayDeque<ByteBuf> queue = new ArrayDeque<>();
    private long queued;
    private ByteSink sink;
    /** The client sent its last byte; close the sink after the queue. */
    private boolean eof;
    private boolean draining;
    private boolean paused;
    /** Nothing more goes to the sink: it failed, it was closed, or the pipe was aborted. Data is dropped. */
    private boolean dead;

    InboundPipe(Executor workers, ReadThrottle throttle) {
        this.workers = workers;
        this.throttle = throttle;
    }

    /** Queues {@code data} (ownership passes to the pipe). Event loop. */
    void offer(ByteBuf data) {
        synchronized (this) {
            if (!dead && !eof && data.isReadable()) {
                queue.add(data);
                queued += data.readableBytes();
                throttle.queued(data.readableBytes());
                if (!paused && queued > HIGH_WATER) {
                    paused = true;
                    throttle.pause(this);
                }
                kick();
                return;
            }
        }
        data.release();
    }

    /** The client will send no more: the sink is closed once the queue is written. */
    synchronized void finish() {
        if (!eof) {
            eof = true;
            kick();
        }
    }

    /** The sink now exists: start writing. */
    synchronized void start(ByteSink sink) {
        this.sink = sink;
        kick();
    }

    /** The session or connection is gone: drop what waits. Does not close the sink (its owner does). */
    void abort() {
        synchronized (this) {
            dead = true;
            dropQueued();
        }
    }

    /** Bytes waiting for the sink. */
    synchronized long queued() {
        return queued;
    }

    private void kick() {
        if (sink != null && !draining && !dead && (!queue.isEmpty() || eof)) {
            draining = true;
            workers.execute(this::drain);
        }
    }

    /** Writes until the queue is empty; a new offer starts a new drain. Worker thread. */
    private void drain() {
        for (;;) {
            ByteBuf next;
            boolean close = false;
            synchronized (this) {
                next = dead ? null : queue.poll();
                if (next == null) {
                    if (eof && !dead) {
                        close = true;
                        dead = true;
                    } else {
                        draining = false;
                        return;
                    }
                }
            }
            if (close) {
                try {
                    sink.close();
                } catch (IOException e) {
                    LOG.debug("closing a stream sink: {}", e.toString());
                }
                synchronized (this) {
                    draining = false;
                }
                return;
            }
            int n = next.readableBytes();
            try {
                sink.write(next);
            } catch (IOException | RuntimeException e) {
                // The process closed its stdin or the pod closed the socket: the client's further bytes have
                // nowhere to go. Drop them rather than stall the connection's other streams.
                LOG.debug("stream sink failed; dropping further input: {}", e.toString());
                synchronized (this) {
                    dead = true;
                }
            } finally {
                next.release();
            }
            synchronized (this) {
                queued -= n;
                throttle.queued(-n);
                if (dead) {
                    dropQueued();
                } else if (paused && queued <= LOW_WATER) {
                    paused = false;
                    throttle.resume(this);
                }
            }
        }
    }

    /** Caller holds the lock. */
    private void dropQueued() {
        ByteBuf b;
        while ((b = queue.poll()) != null) {
            queued -= b.readableBytes();
            throttle.queued(-b.readableBytes());
            b.release();
        }
        if (paused) {
            paused = false;
            throttle.resume(this);
        }
    }
}
