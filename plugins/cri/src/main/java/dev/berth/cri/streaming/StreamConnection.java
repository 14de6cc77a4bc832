package dev.berth.cri.streaming;

import io.netty.channel.Channel;
import java.time.Duration;

/**
 * What a session needs of the connection it runs on: the channel, its output gate and read throttle, the
 * workers for blocking I/O and how long the client may take to open its streams.
 */
record StreamConnection(Channel channel, WritableGate gate, ReadThrottle throttle, IoWorkers workers, Duration streamCreationTimeout) {
    /** A new pipe for client bytes on this connection. */
    InboundPipe newPipe() {
        return new InboundPipe(workers, throttle);
    }
}
