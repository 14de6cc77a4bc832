package dev.berth.cri.streaming;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.runtime.StreamRequest;
import dev.berth.core.runtime.StreamSession;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One exec or attach from the moment the client's streams are all there: opens the session, copies its output to
 * the client and the client's input to it, and reports how it ended. The same for SPDY and WebSocket; the wire is
 * behind {@link CommandOutput} and the pipes. Every session it opens is closed, also when the client goes away.
 */
final class ProcessRun {
    private static final Logger LOG = LoggerFactory.getLogger(ProcessRun.class);
    /** How long a terminal exec waits for the client's first size before starting without one. */
    private static final Duration FIRST_SIZE_WAIT = Duration.ofMillis(500);

    private final StreamTarget.Process target;
    private final IoWorkers workers;
    private final CommandOutput output;
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile StreamSession session;
    private volatile Future<?> main;

    ProcessRun(StreamTarget.Process target, IoWorkers workers, CommandOutput output) {
        this.target = target;
        this.workers = workers;
        this.output = output;
    }

    /**
     * Opens the session on a worker and runs it. Event loop.
     *
     * @param stdin  the client's stdin bytes, or null
     * @param resize the client's terminal sizes, or null
     */
    void start(InboundPipe stdin, InboundPipe resize) {
        main = workers.submit(() -> run(stdin, resize));
    }

    /** The client went away: close the session (which kills an exec'd process) and stop its threads. Any thread. */
    void abort() {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        // Either this sees the session or run() sees ended: both are volatile, so one of them closes it.
        StreamSession s = session;
        if (s != null) {
            workers.execute(s::close);
        }
        Future<?> m = main;
        if (m != null) {
            m.cancel(true);
        }
    }

    private void run(InboundPipe stdin, InboundPipe resize) {
        ResizeSink sizes = null;
        StreamRequest request = target.request();
        TerminalSizeDecoder.Size startSize = null;
        StreamSession s;
        try {
            if (resize != null) {
                sizes = new ResizeSink();
                resize.start(sizes);
                if (request.tty() && target.kind() == StreamTarget.Kind.EXEC) {
                    // Clients send their terminal's size right after opening their streams; a command started with
                    // it never sees a 0x0 terminal (stty size, a full-screen program drawing its first screen).
                    startSize = sizes.awaitFirst(FIRST_SIZE_WAIT);
                    if (startSize != null) {
                        request = request.withTerminalSize(startSize.width(), startSize.height());
                    }
                }
            }
            s = target.opener().apply(request);
        } catch (BerthException e) {
            report(new CommandOutcome.Failure(e.getMessage()));
            return;
        } catch (RuntimeException e) {
            LOG.warn("opening {} session in container {} failed", target.kind(), target.containerId(), e);
            report(new CommandOutcome.Failure("error executing command in container: " + e));
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        session = s;
        try {
            if (ended.get()) {
                return;
            }
            if (stdin != null) {
                stdin.start(ByteSink.of(s.stdin()));
            }
            if (sizes != null) {
                sizes.attach(s, startSize);
            }
            CountDownLatch pumps = new CountDownLatch(2);
            pump(s.stdout(), output.stdout(), pumps);
            pump(s.stderr(), output.stderr(), pumps);
            // The waits end when the process does, or when abort() closes the session and interrupts this thread.
            pumps.await();
            int code = s.waitFor();
            report(target.kind() == StreamTarget.Kind.ATTACH || code == 0 ? new CommandOutcome.Success()
                    : new CommandOutcome.NonZeroExit(target.request().command(), code));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warn("{} session in container {} failed", target.kind(), target.containerId(), e);
            report(new CommandOutcome.Failure("error executing command in container: " + e.getMessage()));
        } finally {
            ended.set(true);
            s.close();
        }
    }

    private void pump(InputStream in, OutboundStream out, CountDownLatch done) {
        if (in == null || out == null) {
            if (out != null) {
                out.finish();
            }
            done.countDown();
            return;
        }
        workers.execute(() -> {
            try {
                new OutputPump(OutputPump.of(in), out).run();
            } finally {
                done.countDown();
            }
        });
    }

    private void report(CommandOutcome outcome) {
        if (ended.get()) {
            return;
        }
        try {
            output.complete(outcome);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
