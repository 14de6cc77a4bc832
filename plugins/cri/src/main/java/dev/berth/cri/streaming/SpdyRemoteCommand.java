package dev.berth.cri.streaming;

import dev.berth.core.runtime.StreamRequest;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.spdy.SpdyStreamStatus;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exec or attach over SPDY: waits for the streams the request implies (error, and stdin, stdout, stderr, resize
 * as asked), then hands them to a {@link ProcessRun}. The client that does not open them all within the stream
 * creation timeout is disconnected, as the kubelet does.
 */
final class SpdyRemoteCommand implements SpdyStreams.Listener, CommandOutput {
    private static final Logger LOG = LoggerFactory.getLogger(SpdyRemoteCommand.class);

    private final StreamTarget.Process target;
    private final Subprotocol protocol;
    private final StreamConnection conn;
    private final int expected;
    private int received;
    private SpdyStream error;
    private SpdyStream stdin;
    private SpdyStream stdout;
    private SpdyStream stderr;
    private SpdyStream resize;
    private InboundPipe stdinPipe;
    private InboundPipe resizePipe;
    private ScheduledFuture<?> deadline;
    private ProcessRun run;
    private boolean closed;

    SpdyRemoteCommand(StreamTarget.Process target, Subprotocol protocol, StreamConnection conn) {
        this.target = target;
        this.protocol = protocol;
        this.conn = conn;
        StreamRequest r = target.request();
        this.expected = 1 + (r.stdin() ? 1 : 0) + (r.stdout() ? 1 : 0) + (r.stderr() ? 1 : 0) + (wantsResize() ? 1 : 0);
    }

    /** Starts the stream creation timeout. Event loop, right after the upgrade. */
    void start() {
        deadline = conn.channel().eventLoop().schedule(() -> {
            if (run == null && !closed) {
                LOG.info("{} client {} opened {} of {} streams within {}; disconnecting", target.pathKind(), conn.channel().remoteAddress(),
                        received, expected, conn.streamCreationTimeout());
                conn.channel().close();
            }
        }, conn.streamCreationTimeout().toNanos(), TimeUnit.NANOSECONDS);
    }

    private boolean wantsResize() {
        return target.request().tty() && protocol.resize();
    }

    @Override
    public void opened(SpdyStream s) {
        if (run != null || !accept(s)) {
            LOG.debug("{}: unexpected {}", target.pathKind(), s);
            s.reset(SpdyStreamStatus.REFUSED_STREAM);
            return;
        }
        if (++received == expected) {
            deadline.cancel(false);
            run = new ProcessRun(target, conn.workers(), this);
            run.start(stdinPipe, resizePipe);
        }
    }

    /** Takes {@code s} if it is one of the expected streams not yet opened. */
    private boolean accept(SpdyStream s) {
        StreamRequest r = target.request();
        switch (s.header(SpdyStreams.STREAM_TYPE).toLowerCase(Locale.ROOT)) {
            case "error" -> {
                if (error != null) {
                    return false;
                }
                error = s;
            }
            case "stdin" -> {
                if (!r.stdin() || stdin != null) {
                    return false;
                }
                stdin = s;
                stdinPipe = conn.newPipe();
            }
            case "stdout" -> {
                if (!r.stdout() || stdout != null) {
                    return false;
                }
                stdout = s;
            }
            case "stderr" -> {
                if (!r.stderr() || stderr != null) {
                    return false;
                }
                stderr = s;
            }
            case "resize" -> {
                if (!wantsResize() || resize != null) {
                    return false;
                }
                resize = s;
                resizePipe = conn.newPipe();
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    @Override
    public void data(SpdyStream s, ByteBuf data) {
        if (s == stdin) {
            stdinPipe.offer(data);
        } else if (s == resize) {
            resizePipe.offer(data);
        } else {
            data.release();
        }
    }

    @Override
    public void remoteFinished(SpdyStream s) {
        endOfInput(s);
    }

    @Override
    public void reset(SpdyStream s) {
        // A reset stdin is as final as a closed one; a reset stdout just drops what the process writes.
        endOfInput(s);
    }

    private void endOfInput(SpdyStream s) {
        if (s == stdin) {
            stdinPipe.finish();
        } else if (s == resize) {
            resizePipe.finish();
        }
    }

    @Override
    public void connectionClosed() {
        closed = true;
        if (deadline != null) {
            deadline.cancel(false);
        }
        if (stdinPipe != null) {
            stdinPipe.abort();
        }
        if (resizePipe != null) {
            resizePipe.abort();
        }
        if (run != null) {
            run.abort();
        }
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
        // FIN every stream, the error stream last, then close once that is on the wire: the client reads each stream
        // to its end and takes the error stream's content as the verdict.
        ChannelFuture last = null;
        for (SpdyStream s : Stream.of(stdin, stdout, stderr, resize, error).filter(Objects::nonNull).toList()) {
            ChannelFuture f = s.fin();
            last = f == null ? last : f;
        }
        if (last != null) {
            last.addListener(ChannelFutureListener.CLOSE);
        } else {
            conn.channel().close(); // the client reset every stream: nobody is listening
        }
    }
}
