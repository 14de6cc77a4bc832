package dev.berth.cri.streaming;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.spdy.DefaultSpdyDataFrame;
import io.netty.handler.codec.spdy.DefaultSpdyRstStreamFrame;
import io.netty.handler.codec.spdy.SpdyStreamStatus;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One stream the client opened: its headers and our sending half. Sending is thread-safe; the receiving half is
 * tracked by {@link SpdyStreams} on the event loop.
 */
final class SpdyStream implements OutboundStream {
    private final int id;
    /** Header names in lower case: SPDY requires them so, and clients differ in what they send. */
    private final Map<String, String> headers;
    private final Channel channel;
    private final WritableGate gate;
    private final SpdyStreams owner;
    private final AtomicBoolean localClosed = new AtomicBoolean();
    private volatile boolean reset;
    /** Event loop only. */
    boolean remoteClosed;

    SpdyStream(int id, Map<String, String> headers, Channel channel, WritableGate gate, SpdyStreams owner) {
        this.id = id;
        this.headers = Map.copyOf(headers);
        this.channel = channel;
        this.gate = gate;
        this.owner = owner;
    }

    int id() {
        return id;
    }

    /** A header's value, the name matched case-insensitively; "" when absent. */
    String header(String name) {
        return headers.getOrDefault(name.toLowerCase(Locale.ROOT), "");
    }

    Channel channel() {
        return channel;
    }

    @Override
    public ByteBufAllocator alloc() {
        return channel.alloc();
    }

    /** {@inheritDoc} At most 16 MiB (SPDY's frame length); the pumps send 32 KiB. */
    @Override
    public boolean write(ByteBuf data) throws InterruptedException {
        if (localClosed.get() || reset || !gate.awaitWritable()) {
            data.release();
            return false;
        }
        send(data);
        return true;
    }

    /**
     * Sends {@code data} without waiting for the connection; for the few bytes of control messages (status, errors)
     * that may be sent from the event loop.
     */
    void send(ByteBuf data) {
        if (localClosed.get() || reset) {
            data.release();
            return;
        }
        // Nothing to do with SPDY flow control: Go's spdystream never sends WINDOW_UPDATE, so a sender that honoured
        // the 64 KiB window would stall. The writable gate bounds memory instead.
        channel.writeAndFlush(new DefaultSpdyDataFrame(id, data));
    }

    @Override
    public void finish() {
        fin();
    }

    /**
     * Half-closes our side (an empty DATA frame with FIN) once.
     *
     * @return the FIN's write future, or null when nothing was written (closed before, or reset)
     */
    ChannelFuture fin() {
        if (reset || !localClosed.compareAndSet(false, true)) {
            return null;
        }
        ChannelFuture f = channel.writeAndFlush(new DefaultSpdyDataFrame(id).setLast(true));
        onEventLoop(() -> owner.localFinished(this));
        return f;
    }

    /** Aborts the stream both ways (RST_STREAM). */
    void reset(SpdyStreamStatus status) {
        if (reset) {
            return;
        }
        reset = true;
        channel.writeAndFlush(new DefaultSpdyRstStreamFrame(id, status));
        onEventLoop(() -> owner.forget(this));
    }

    /** Stream bookkeeping belongs to the event loop; once the server has shut that down there is none left to do. */
    private void onEventLoop(Runnable task) {
        try {
            channel.eventLoop().execute(task);
        } catch (RejectedExecutionException e) {
            // the connection is gone with its streams
        }
    }

    /** The client reset the stream, or the connection closed: nothing is sent on it any more. */
    void markReset() {
        reset = true;
    }

    boolean localClosed() {
        return localClosed.get();
    }

    @Override
    public String toString() {
        return "stream " + id + " " + headers;
    }
}
