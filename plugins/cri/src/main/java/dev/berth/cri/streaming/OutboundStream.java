package dev.berth.cri.streaming;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * One direction of output towards the client: a SPDY stream, or one channel of a WebSocket. Called from worker
 * threads, never from the event loop, because {@link #write} waits for the connection.
 */
interface OutboundStream {
    /**
     * Sends {@code data} (ownership passes), first waiting while the connection cannot take more.
     *
     * @return false when the stream or the connection is gone and the data was dropped
     */
    boolean write(ByteBuf data) throws InterruptedException;

    /** Ends this direction (SPDY: FIN); a no-op where the protocol has no such signal. Safe to call twice. */
    void finish();

    /** The allocator for buffers handed to {@link #write}. */
    ByteBufAllocator alloc();
}
