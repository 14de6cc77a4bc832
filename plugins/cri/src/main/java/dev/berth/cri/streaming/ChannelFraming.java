package dev.berth.cri.streaming;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The Kubernetes channel framing inside WebSocket messages: each message belongs to one numbered channel (exec:
 * 0 stdin, 1 stdout, 2 stderr, 3 error, 4 resize). Binary protocols put the channel in the first byte; base64
 * protocols send text, a channel digit then the base64 of the bytes. v5 adds the client's close signal, the
 * message [255, channel].
 */
final class ChannelFraming {
    static final int CLOSE_SIGNAL = 255;

    /** A decoded client message: bytes on a channel, or (v5) the end of a channel's input. */
    record Inbound(int channel, ByteBuf data, boolean close) {
    }

    private final boolean base64;
    private final boolean closeSignal;

    ChannelFraming(Subprotocol protocol) {
        this.base64 = protocol.base64();
        this.closeSignal = protocol.closeSignal();
    }

    /** A message with {@code data} (ownership passes; released here) on {@code channel}. */
    WebSocketFrame encode(int channel, ByteBuf data, ByteBufAllocator alloc) {
        try {
            if (base64) {
                ByteBuffer encoded = Base64.getEncoder().encode(data.nioBuffer());
                ByteBuf text = alloc.buffer(1 + encoded.remaining());
                text.writeByte('0' + channel);
                text.writeBytes(encoded);
                return new TextWebSocketFrame(text);
            }
            ByteBuf bin = alloc.buffer(1 + data.readableBytes());
            bin.writeByte(channel);
            bin.writeBytes(data, data.readerIndex(), data.readableBytes());
            return new BinaryWebSocketFrame(bin);
        } finally {
            data.release();
        }
    }

    /**
     * The message in {@code frame} (a whole message: text or binary; not released here), or null when it is empty or
     * malformed, which the kubelet skips too.
     */
    Inbound decode(WebSocketFrame frame) {
        ByteBuf c = frame.content();
        if (!c.isReadable()) {
            return null;
        }
        int first = c.getUnsignedByte(c.readerIndex());
        if (closeSignal && first == CLOSE_SIGNAL) {
            return c.readableBytes() == 2 ? new Inbound(c.getUnsignedByte(c.readerIndex() + 1), Unpooled.EMPTY_BUFFER, true) : null;
        }
        if (!base64) {
            return new Inbound(first, c.retainedSlice(c.readerIndex() + 1, c.readableBytes() - 1), false);
        }
        if (first < '0') {
            return null; // channels past 9 continue after '9' in ASCII, as Go's '0'+n produces them
        }
        try {
            String text = c.toString(c.readerIndex() + 1, c.readableBytes() - 1, StandardCharsets.US_ASCII);
            return new Inbound(first - '0', Unpooled.wrappedBuffer(Base64.getDecoder().decode(text.trim())), false);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
