package dev.berth.cli.streaming;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Joins the parts in which java.net.http.WebSocket hands over a binary message (it splits them as they come off
 * the socket) back into whole messages, since the channel byte is only at the start of the first part. The parts'
 * buffers are only lent to the listener, so bytes are copied. A message longer than the limit is refused rather than
 * held.
 */
final class MessageAssembler {
    private final int maxMessage;
    private ByteBuffer pending;

    MessageAssembler(int maxMessage) {
        this.maxMessage = maxMessage;
    }

    /** Adds one part; returns the whole message (ready to read) when {@code last}, else null. */
    ByteBuffer add(ByteBuffer part, boolean last) throws IOException {
        int have = pending == null ? 0 : pending.position();
        if ((long) have + part.remaining() > maxMessage) {
            pending = null;
            throw new IOException("a message from the streaming server is longer than " + maxMessage + " bytes");
        }
        if (pending == null && last) {
            ByteBuffer whole = ByteBuffer.allocate(part.remaining());
            return whole.put(part).flip();
        }
        ensureRoom(have + part.remaining());
        pending.put(part);
        if (!last) {
            return null;
        }
        ByteBuffer whole = pending.flip();
        pending = null;
        return whole;
    }

    private void ensureRoom(int needed) {
        if (pending != null && pending.capacity() >= needed) {
            return;
        }
        int capacity = (int) Math.min(maxMessage, Math.max(needed, pending == null ? 8192 : 2L * pending.capacity()));
        ByteBuffer bigger = ByteBuffer.allocate(capacity);
        if (pending != null) {
            bigger.put(pending.flip());
        }
        pending = bigger;
    }
}
