package dev.berth.cri.streaming;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.spdy.DefaultSpdyPingFrame;
import io.netty.handler.codec.spdy.DefaultSpdyRstStreamFrame;
import io.netty.handler.codec.spdy.DefaultSpdySynReplyFrame;
import io.netty.handler.codec.spdy.SpdyDataFrame;
import io.netty.handler.codec.spdy.SpdyGoAwayFrame;
import io.netty.handler.codec.spdy.SpdyPingFrame;
import io.netty.handler.codec.spdy.SpdyRstStreamFrame;
import io.netty.handler.codec.spdy.SpdyStreamStatus;
import io.netty.handler.codec.spdy.SpdySynStreamFrame;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of a SPDY/3.1 session as Kubernetes clients use it: the client opens streams (SYN_STREAM, odd
 * ids) and we accept each (SYN_REPLY); DATA carries bytes, FIN half-closes, RST_STREAM aborts a stream; PINGs are
 * echoed; GOAWAY or a closed socket end everything. Deliberately no flow control: Go's spdystream never sends
 * WINDOW_UPDATE and ignores ours, so honouring the 64 KiB window (as Netty's SpdySessionHandler does) would stall
 * every stream after 64 KiB. SETTINGS and WINDOW_UPDATE are read and ignored. Event loop only.
 */
final class SpdyStreams extends ChannelInboundHandlerAdapter {
    /** The header naming what a client-opened stream is for (stdin, stdout, error, data, ...). */
    static final String STREAM_TYPE = "streamtype";
    /** What a session does with the streams: one listener per connection, called on the event loop. */
    interface Listener {
        /** The client opened {@code stream}; the SYN_REPLY is already written. */
        void opened(SpdyStream stream);

        /** Bytes on {@code stream}; ownership of {@code data} passes to the listener. */
        void data(SpdyStream stream, ByteBuf data);

        /** The client half-closed {@code stream}: it sends nothing more on it. */
        void remoteFinished(SpdyStream stream);

        /** The client reset {@code stream}. */
        void reset(SpdyStream stream);

        /** The connection is gone; sent once. */
        void connectionClosed();
    }

    /** Streams open at once per connection: plenty for exec and for port-forward, and a limit for a hostile client. */
    static final int MAX_STREAMS = 1024;
    private static final Logger LOG = LoggerFactory.getLogger(SpdyStreams.class);

    private final Listener listener;
    private final WritableGate gate;
    private final Map<Integer, SpdyStream> streams = new HashMap<>();
    private ChannelHandlerContext ctx;
    private int lastId;
    private boolean closed;

    SpdyStreams(Listener listener, WritableGate gate) {
        this.listener = listener;
        this.gate = gate;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof SpdyDataFrame d) {
            onData(d);
        } else if (msg instanceof SpdySynStreamFrame s) {
            onSynStream(s);
        } else if (msg instanceof SpdyRstStreamFrame r) {
            SpdyStream s = streams.remove(r.streamId());
            if (s != null) {
                s.markReset();
                listener.reset(s);
            }
        } else if (msg instanceof SpdyPingFrame p) {
            // Odd ids are the client's own pings; even ones would answer pings of ours, and we send none.
            if ((p.id() & 1) == 1) {
                ctx.writeAndFlush(new DefaultSpdyPingFrame(p.id()));
            }
        } else if (msg instanceof SpdyGoAwayFrame) {
            // Go clients send GOAWAY from Close(), when they are done with the connection.
            ctx.close();
        } else {
            // SETTINGS, WINDOW_UPDATE, HEADERS, SYN_REPLY and unknown frames carry nothing we act on.
            ReferenceCountUtil.release(msg);
        }
    }

    private void onSynStream(SpdySynStreamFrame f) {
        int id = f.streamId();
        if (f.isInvalid() || (id & 1) == 0 || id <= lastId) {
            LOG.debug("refusing malformed or out-of-order stream {}", id);
            ctx.writeAndFlush(new DefaultSpdyRstStreamFrame(id, SpdyStreamStatus.PROTOCOL_ERROR));
            return;
        }
        lastId = id;
        if (streams.size() >= MAX_STREAMS) {
            ctx.writeAndFlush(new DefaultSpdyRstStreamFrame(id, SpdyStreamStatus.REFUSED_STREAM));
            return;
        }
        Map<String, String> headers = new HashMap<>();
        for (Map.Entry<CharSequence, CharSequence> h : f.headers()) {
            headers.putIfAbsent(h.getKey().toString().toLowerCase(Locale.ROOT), h.getValue().toString());
        }
        SpdyStream stream = new SpdyStream(id, headers, ctx.channel(), gate, this);
        streams.put(id, stream);
        // Netty writes an empty header map as no header block at all, which Go's SPDY framer cannot parse (it
        // expects a compressed block holding at least the header count) and drops the connection over: so the reply
        // always carries the stream's type back.
        DefaultSpdySynReplyFrame reply = new DefaultSpdySynReplyFrame(id);
        reply.headers().set(STREAM_TYPE, headers.getOrDefault(STREAM_TYPE, ""));
        ctx.writeAndFlush(reply);
        listener.opened(stream);
        if (f.isLast()) {
            remoteFinished(stream);
        }
    }

    private void onData(SpdyDataFrame d) {
        SpdyStream s = streams.get(d.streamId());
        if (s == null || s.remoteClosed) {
            d.release();
            ctx.writeAndFlush(new DefaultSpdyRstStreamFrame(d.streamId(),
                    s == null ? SpdyStreamStatus.INVALID_STREAM : SpdyStreamStatus.STREAM_ALREADY_CLOSED));
            return;
        }
        ByteBuf content = d.content();
        if (content.isReadable()) {
            listener.data(s, content);
        } else {
            content.release();
        }
        if (d.isLast()) {
            remoteFinished(s);
        }
    }

    private void remoteFinished(SpdyStream s) {
        s.remoteClosed = true;
        listener.remoteFinished(s);
        if (s.localClosed()) {
            streams.remove(s.id());
        }
    }

    /** Our side of {@code s} is closed; forget it when the client's is too. Event loop. */
    void localFinished(SpdyStream s) {
        if (s.remoteClosed) {
            streams.remove(s.id(), s);
        }
    }

    /** We reset {@code s}. Event loop. */
    void forget(SpdyStream s) {
        streams.remove(s.id(), s);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!closed) {
            closed = true;
            List<SpdyStream> open = new ArrayList<>(streams.values());
            streams.clear();
            open.forEach(SpdyStream::markReset);
            listener.connectionClosed();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("SPDY connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
