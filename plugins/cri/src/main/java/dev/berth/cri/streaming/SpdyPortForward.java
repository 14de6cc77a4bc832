package dev.berth.cri.streaming;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.spdy.SpdyStreamStatus;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Port-forward over SPDY (portforward.k8s.io): each forwarded connection arrives as an error stream and a data
 * stream with the same {@code requestid} header and a {@code port} header. A complete pair becomes a
 * {@link ForwardedPort}; many run at once on one connection. A pair not completed within the stream creation
 * timeout is reported on its error stream and dropped. Event loop.
 */
final class SpdyPortForward implements SpdyStreams.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(SpdyPortForward.class);

    private final StreamTarget.PortForward target;
    private final StreamConnection conn;
    private final Map<String, Pair> pending = new HashMap<>();
    /** Every stream of a pair (pending or running), for routing data and resets. */
    private final Map<SpdyStream, Pair> byStream = new HashMap<>();

    /** The two streams of one forwarded connection, and the forwarding once both are there. */
    private final class Pair {
        final String requestId;
        SpdyStream error;
        SpdyStream data;
        InboundPipe toPod;
        ScheduledFuture<?> deadline;
        ForwardedPort forward;

        Pair(String requestId) {
            this.requestId = requestId;
        }
    }

    SpdyPortForward(StreamTarget.PortForward target, StreamConnection conn) {
        this.target = target;
        this.conn = conn;
    }

    @Override
    public void opened(SpdyStream s) {
        String type = s.header(SpdyStreams.STREAM_TYPE).toLowerCase(Locale.ROOT);
        if (!type.equals("error") && !type.equals("data")) {
            LOG.debug("port-forward: unexpected {}", s);
            s.reset(SpdyStreamStatus.REFUSED_STREAM);
            return;
        }
        String id = requestId(s, type);
        Pair p = pending.get(id);
        if (p == null) {
            p = new Pair(id);
            Pair created = p;
            p.deadline = conn.channel().eventLoop().schedule(() -> expire(created), conn.streamCreationTimeout().toNanos(),
                    TimeUnit.NANOSECONDS);
            pending.put(id, p);
        }
        if (type.equals("error") ? p.error != null : p.data != null) {
            LOG.debug("port-forward: second {} stream for request {}", type, id);
            s.reset(SpdyStreamStatus.PROTOCOL_ERROR);
            return;
        }
        if (type.equals("error")) {
            p.error = s;
        } else {
            p.data = s;
            p.toPod = conn.newPipe();
        }
        byStream.put(s, p);
        if (p.error != null && p.data != null) {
            pending.remove(id);
            p.deadline.cancel(false);
            begin(p);
        }
    }

    /**
     * The pair's id: the requestid header, or for clients too old to send one the kubelet's reconstruction from
     * consecutive stream ids (error stream id, data stream id minus 2).
     */
    private static String requestId(SpdyStream s, String type) {
        String id = s.header("requestid");
        if (!id.isEmpty()) {
            return id;
        }
        return Integer.toString(type.equals("error") ? s.id() : s.id() - 2);
    }

    private void begin(Pair p) {
        String portHeader = p.data.header("port");
        int port;
        try {
            port = Integer.parseInt(portHeader.trim());
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 1 || port > 65535) {
            refuse(p, "invalid port \"" + portHeader + "\" for request " + p.requestId);
            return;
        }
        p.forward = new ForwardedPort(target, port, conn.workers(), p.data, p.error, p.toPod, () -> {
            try {
                conn.channel().eventLoop().execute(() -> forget(p));
            } catch (RejectedExecutionException e) {
                // the server shut the event loop down: the connection and its pairs are gone
            }
        });
        p.forward.start();
    }

    private void expire(Pair p) {
        if (pending.remove(p.requestId, p)) {
            refuse(p, "timed out waiting for the data and error streams of request " + p.requestId);
        }
    }

    /** Reports {@code why} on the pair's error stream, if any, and ends its streams. */
    private void refuse(Pair p, String why) {
        LOG.debug("port-forward to pod {}: {}", target.sandboxId(), why);
        if (p.error != null) {
            p.error.send(Unpooled.copiedBuffer(why, StandardCharsets.UTF_8));
            p.error.fin();
        }
        if (p.data != null) {
            p.data.fin();
        }
        if (p.toPod != null) {
            p.toPod.abort();
        }
        forget(p);
    }

    private void forget(Pair p) {
        if (p.error != null) {
            byStream.remove(p.error, p);
        }
        if (p.data != null) {
            byStream.remove(p.data, p);
        }
    }

    @Override
    public void data(SpdyStream s, ByteBuf data) {
        Pair p = byStream.get(s);
        if (p != null && s == p.data && p.toPod != null) {
            p.toPod.offer(data);
        } else {
            data.release(); // the error stream is the server's to write
        }
    }

    @Override
    public void remoteFinished(SpdyStream s) {
        Pair p = byStream.get(s);
        if (p != null && s == p.data) {
            p.toPod.finish();
        }
    }

    @Override
    public void reset(SpdyStream s) {
        Pair p = byStream.get(s);
        if (p == null) {
            return;
        }
        // kubectl resets both streams when its local connection is done: the forwarding ends with them.
        if (p.forward != null) {
            p.forward.abort();
        } else {
            pending.remove(p.requestId, p);
            p.deadline.cancel(false);
            if (p.toPod != null) {
                p.toPod.abort();
            }
            forget(p);
        }
    }

    @Override
    public void connectionClosed() {
        for (Pair p : pending.values()) {
            p.deadline.cancel(false);
            if (p.toPod != null) {
                p.toPod.abort();
            }
        }
        pending.clear();
        for (Pair p : Map.copyOf(byStream).values()) {
            if (p.forward != null) {
                p.forward.abort();
            }
        }
        byStream.clear();
    }
}
