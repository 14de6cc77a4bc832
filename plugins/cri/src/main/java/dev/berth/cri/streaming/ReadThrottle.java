package dev.berth.cri.streaming;

import io.netty.channel.Channel;
import java.util.HashSet;
import java.util.Set;

/**
 * Stops reading from the client while any of its inbound pipes is full, or while all of them together hold more
 * than {@link #CONNECTION_HIGH}. A process that does not read its stdin (or a pod socket that does not drain)
 * then holds the client back through TCP instead of filling our memory; the connection-wide limit keeps a client
 * with hundreds of port-forward pairs to the same bound as one with a single pipe.
 */
final class ReadThrottle {
    static final long CONNECTION_HIGH = 1024 * 1024;
    static final long CONNECTION_LOW = 512 * 1024;

    private final Channel channel;
    private final Set<Object> full = new HashSet<>();
    private long queued;
    private boolean paused;

    ReadThrottle(Channel channel) {
        this.channel = channel;
    }

    /** {@code pipe} cannot take more for now. */
    synchronized void pause(Object pipe) {
        full.add(pipe);
        update();
    }

    /** {@code pipe} has room again (or is gone). */
    synchronized void resume(Object pipe) {
        full.remove(pipe);
        update();
    }

    /** Bytes waiting in this connection's pipes grew (positive) or shrank (negative) by {@code delta}. */
    synchronized void queued(long delta) {
        queued += delta;
        update();
    }

    private void update() {
        boolean pause = !full.isEmpty() || queued > CONNECTION_HIGH || (paused && queued > CONNECTION_LOW);
        if (pause != paused) {
            paused = pause;
            // Safe from any thread: Netty hands the change to the event loop.
            channel.config().setAutoRead(!pause);
        }
    }
}
