package dev.berth.cli.streaming;

import java.nio.ByteBuffer;

/**
 * The Kubernetes channel framing inside binary WebSocket messages: the first byte names the channel (exec and
 * attach: 0 stdin, 1 stdout, 2 stderr, 3 error, 4 resize; port-forward: 2i data and 2i+1 error of the i-th port),
 * the rest is that channel's data. Protocol v5 adds the message [255, channel], which ends a channel's input.
 */
public final class ChannelFrames {
    public static final int STDIN = 0;
    public static final int STDOUT = 1;
    public static final int STDERR = 2;
    public static final int ERROR = 3;
    public static final int RESIZE = 4;
    public static final int CLOSE_SIGNAL = 255;

    /** One received message: its channel and its data (without the channel byte). */
    public record Message(int channel, ByteBuffer data) {
    }

    private ChannelFrames() {
    }

    /** A message carrying {@code len} bytes of {@code data} from {@code off} on {@code channel}. */
    public static ByteBuffer encode(int channel, byte[] data, int off, int len) {
        checkChannel(channel);
        ByteBuffer b = ByteBuffer.allocate(1 + len);
        b.put((byte) channel).put(data, off, len);
        return b.flip();
    }

    /** v5's signal that no more input comes on {@code channel}. */
    public static ByteBuffer closeSignal(int channel) {
        checkChannel(channel);
        return ByteBuffer.wrap(new byte[] {(byte) CLOSE_SIGNAL, (byte) channel});
    }

    /** The channel and data of a whole message, or null for an empty message (which carries nothing). */
    public static Message decode(ByteBuffer message) {
        if (!message.hasRemaining()) {
            return null;
        }
        ByteBuffer b = message.duplicate();
        int channel = b.get() & 0xff;
        return new Message(channel, b.slice());
    }

    private static void checkChannel(int channel) {
        if (channel < 0 || channel > 255) {
            throw new IllegalArgumentException("channel " + channel + " is not a byte");
        }
    }
}
