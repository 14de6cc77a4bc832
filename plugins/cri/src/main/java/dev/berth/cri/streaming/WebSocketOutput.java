package dev.berth.cri.streaming;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;

/** One channel of a Kubernetes WebSocket connection as an output stream. WebSocket channels have no end signal. */
final class WebSocketOutput implements OutboundStream {
    private final int channelNumber;
    private final Channel channel;
    private final WritableGate gate;
    private final ChannelFraming framing;

    WebSocketOutput(int channelNumber, Channel channel, WritableGate gate, ChannelFraming framing) {
        this.channelNumber = channelNumber;
        this.channel = channel;
        this.gate = gate;
        this.framing = framing;
    }

    @Override
    public boolean write(ByteBuf data) throws InterruptedException {
        if (!gate.awaitWritable()) {
            data.release();
            return false;
        }
        send(data);
        return true;
    }

    /** Sends without waiting for the connection: for small control messages, also from the event loop. */
    ChannelFuture send(ByteBuf data) {
        return channel.writeAndFlush(framing.encode(channelNumber, data, channel.alloc()));
    }

    @Override
    public void finish() {
        // The connection's close frame ends every channel at once.
    }

    @Override
    public ByteBufAllocator alloc() {
        return channel.alloc();
    }
}
