package dev.berth.cri.streaming;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Lets worker threads wait until the connection takes more output. Without it a fast process and a slow client
 * would pile output up in memory; with it, output in flight stays under the channel's write buffer high-water mark.
 */
final class WritableGate extends ChannelInboundHandlerAdapter {
    /** Upper bound of one wait; the loop re-checks, so a missed wake-up costs at most this. */
    private static final long RECHECK_MILLIS = 500;
    private final Object lock = new Object();
    private volatile Channel channel;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        wake();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        wake();
        ctx.fireChannelInactive();
    }

    /**
     * Blocks while the connection is open and its write buffer is above the high-water mark. Never call it on the
     * event loop: only the event loop makes the channel writable again. The wait ends at the latest when the
     * connection closes, which the idle timeout guarantees for a client that stopped reading.
     *
     * @return whether the connection is still open
     */
    boolean awaitWritable() throws InterruptedException {
        Channel ch = channel;
        synchronized (lock) {
            while (ch.isActive() && !ch.isWritable()) {
                lock.wait(RECHECK_MILLIS);
            }
        }
        return ch.isActive();
    }

    private void wake() {
        synchronized (lock) {
            lock.notifyAll();
        }
    }
}
