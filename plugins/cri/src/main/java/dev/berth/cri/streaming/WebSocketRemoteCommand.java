package dev.berth.cri.streaming;

import dev.berth.core.runtime.StreamRequest;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Exec or attach over a Kubernetes channel WebSocket: channel 0 stdin, 1 stdout, 2 stderr, 3 error, 4 resize.
 * The session starts as soon as the handshake is done (WebSocket has no streams to wait for); the first message
 * is an empty one on the lowest channel we write, which tells the client the session is ready.
 */
final class WebSocketRemoteCommand extends ChannelInboundHandlerAdapter implements CommandOutput {
    static final int STDIN = 0;
    static final int STDOUT = 1;
    static final int STDERR = 2;
    static final int ERROR = 3;
    static final int RESIZE = 4;

    private final StreamTarget.Process target;
    private final Subprotocol protocol;
    private final StreamConnection conn;
    private final ChannelFraming framing;
    private final WebSocketOutput stdout;
    private final WebSocketOutput stderr;
    private final WebSocketOutput error;
    private final InboundPipe stdinPipe;
    private final InboundPipe resizePipe;
    private ProcessRun run;
    private boolean closed;

    WebSocketRemoteCommand(StreamTarget.Process target, Subprotocol protocol, StreamConnection conn) {
        this.target = target;
        this.protocol = protocol;
        this.conn = conn;
        this.framing = new ChannelFraming(protocol);
        StreamRequest r = target.request();
        this.stdout = r.stdout() ? output(STDOUT) : null;
        this.stderr = r.stderr() ? output(STDERR) : null;
        this.error = output(ERROR);
        // Pipes exist from the start: input that arrives while the session opens waits in them.
        this.stdinPipe = r.stdin() ? conn.newPipe() : null;
        this.resizePipe = r.tty() ? conn.newPipe() : null;
    }

    private WebSocketOutput output(int channel) {
        return new WebSocketOutput(channel, conn.channel(), conn.gate(), framing);
    }

    /** The handshake is done: announce readiness and open the session. Event loop. */
    void start() {
        if (closed) {
            return;
        }
        (stdout != null ? stdout : stderr != null ? stderr : error).send(Unpooled.EMPTY_BUFFER);
        run = new ProcessRun(target, conn.workers(), this);
        run.start(stdinPipe, resizePipe);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ChannelFraming.Inbound in = WebSocketControl.read(ctx, msg, framing);
        if (in == null) {
            return;
        }
        InboundPipe pipe = in.channel() == STDIN ? stdinPipe : in.channel() == RESIZE ? resizePipe : null;
        if (pipe == null) {
            in.data().release(); // nothing reads this channel
        } else if (in.close()) {
            pipe.finish();
        } else {
            pipe.offer(in.data());
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closed = true;
        if (stdinPipe != null) {
            stdinPipe.abort();
        }
        if (resizePipe != null) {
            resizePipe.abort();
        }
        if (run != null) {
            run.abort();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        WebSocketControl.failed(ctx, cause);
    }

    @Override
    public OutboundStream stdout() {
        return stdout;
    }

    @Override
    public OutboundStream stderr() {
        return stderr;
    }

    @Override
    public void complete(CommandOutcome outcome) throws InterruptedException {
        ExitStatusJson.send(outcome, protocol.statusJson(), error);
        WebSocketControl.closeNormally(conn.channel());
    }
}
