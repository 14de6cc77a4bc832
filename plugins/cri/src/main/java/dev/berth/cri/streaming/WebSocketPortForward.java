package dev.berth.cri.streaming;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Port-forward over a Kubernetes channel WebSocket: one forwarded connection per requested port, port i on
 * channel 2i (data) and 2i+1 (error). Each of those channels first carries the port number (2 bytes,
 * little-endian) so the client can tell them apart. The connection closes when every forwarding has ended.
 */
final class WebSocketPortForward extends ChannelInboundHandlerAdapter {
    private final StreamTarget.PortForward target;
    private final List<Integer> ports;
    private final StreamConnection conn;
    private final ChannelFraming framing;
    private final List<InboundPipe> pipes = new ArrayList<>();
    private final List<ForwardedPort> forwards = new ArrayList<>();
    private final AtomicInteger running;
    private boolean closed;

    WebSocketPortForward(StreamTarget.PortForward target, List<Integer> ports, Subprotocol protocol, StreamConnection conn) {
        this.target = target;
        this.ports = List.copyOf(ports);
        this.conn = conn;
        this.framing = new ChannelFraming(protocol);
        this.running = new AtomicInteger(ports.size());
        for (int i = 0; i < ports.size(); i++) {
            pipes.add(conn.newPipe());
        }
    }

    /** The handshake is done: announce the ports and dial them. Event loop. */
    void start() {
        if (closed) {
            return;
        }
        for (int i = 0; i < ports.size(); i++) {
            int port = ports.get(i);
            WebSocketOutput data = new WebSocketOutput(2 * i, conn.channel(), conn.gate(), framing);
            WebSocketOutput error = new WebSocketOutput(2 * i + 1, conn.channel(), conn.gate(), framing);
            data.send(portBytes(port));
            error.send(portBytes(port));
            ForwardedPort f = new ForwardedPort(target, port, conn.workers(), data, error, pipes.get(i), this::forwardEnded);
            forwards.add(f);
            f.start();
        }
    }

    private static ByteBuf portBytes(int port) {
        return Unpooled.buffer(2).writeShortLE(port);
    }

    private void forwardEnded() {
        if (running.decrementAndGet() == 0) {
            WebSocketControl.closeNormally(conn.channel());
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ChannelFraming.Inbound in = WebSocketControl.read(ctx, msg, framing);
        if (in == null) {
            return;
        }
        int channel = in.channel();
        if (channel % 2 == 0 && channel / 2 < pipes.size()) {
            pipes.get(channel / 2).offer(in.data());
        } else {
            in.data().release(); // error channels are ours to write
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closed = true;
        pipes.forEach(InboundPipe::abort);
        forwards.forEach(ForwardedPort::abort);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        WebSocketControl.failed(ctx, cause);
    }
}
