package dev.berth.shim.runc;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.runtime.StreamRequest;
import dev.berth.core.runtime.StreamSession;
import java.io.Closeable;
import java.io.File;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code runc exec} in the foreground, its stdio being the session's streams. Without a terminal runc hands its
 * own stdin, stdout and stderr to the process, so the container reads and writes our pipes directly and the session
 * has no threads of its own. With a terminal runc copies between its stdin/stdout and the container's terminal and
 * takes the terminal size from its "host console", which it looks for among its stdio: that is a {@link Pty} slave
 * given as runc's stderr.
 *
 * <p>runc copies the host console's size to the container's terminal when it starts forwarding and on SIGWINCH, both
 * asynchronously to the stdin it forwards, so input written right after a resize could reach the command before
 * the new size does. A resize therefore also sets the size on the command's terminal itself once the command
 * exists, and the first stdin write waits until it does (runc writes its pid file right after the terminal is set
 * up), copying over a size set before.
 *
 * <p>The exit code is runc's, which is the command's (128 + signal when killed).
 */
final class ExecSession implements StreamSession {
    private static final Logger LOG = LoggerFactory.getLogger(ExecSession.class);
    /** How long close waits for runc to write the pid file, and for runc to exit once the command is killed. */
    private static final long WAIT_MS = 5000;
    private static final File DEV_NULL = new File("/dev/null");
    private final String id;
    private final Process runc;
    private final Path pidFile;
    /** The pid file and anything else of this exec's in the bundle, removed at close. */
    private final List<Path> files;
    private final Pty pty;
    private final Libc libc;
    private final OutputStream stdin;
    private final InputStream stdout;
    private final InputStream stderr;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Object firstInput = new Object();
    private volatile boolean inputReady;
    /** The command's pid once runc wrote it, else 0. */
    private volatile long execPid;

    private ExecSession(String id, Process runc, List<Path> files, Pty pty, Libc libc, StreamRequest req) {
        this.id = id;
        this.runc = runc;
        this.pidFile = files.get(0);
        this.files = files;
        this.pty = pty;
        this.libc = libc;
        this.stdin = req.stdin() ? new Stdin(runc.getOutputStream()) : null;
        InputStream out = req.stdout() ? runc.getInputStream() : null;
        this.stdout = out != null && pty != null ? new TerminalOutput(out, pty) : out;
        this.stderr = req.stderr() && pty == null ? runc.getErrorStream() : null;
    }

    /**
     * Starts runc.
     *
     * @param files   the pid file runc writes ({@code --pid-file}), then any other file of this exec's to remove at
     *                close (the {@code --process} file)
     * @param command {@code runc exec} with {@code --pid-file} and a terminal exactly when
     *                {@code req.tty()}
     */
    static ExecSession start(String id, List<String> command, List<Path> files, StreamRequest req, Libc libc) {
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectInput(req.stdin() ? ProcessBuilder.Redirect.PIPE : ProcessBuilder.Redirect.from(DEV_NULL))
                .redirectOutput(req.stdout() ? ProcessBuilder.Redirect.PIPE : ProcessBuilder.Redirect.DISCARD);
        Pty pty = null;
        try {
            if (req.tty()) {
                pty = Pty.open(libc);
                if (req.hasTerminalSize()) {
                    pty.resize(req.width(), req.height()); // what runc copies when it (re)sizes the command's terminal
                }
                // the JVM opens it write-only for the child and closes its copy right after the fork
                pb.redirectError(ProcessBuilder.Redirect.to(new File(pty.slavePath())));
            } else {
                pb.redirectError(req.stderr() ? ProcessBuilder.Redirect.PIPE : ProcessBuilder.Redirect.DISCARD);
            }
            return new ExecSession(id, pb.start(), files, pty, libc, req);
        } catch (IOException e) {
            if (pty != null) {
                pty.close();
            }
            throw new BerthException(ErrorKind.INTERNAL, "cannot start exec in container " + id + ": "
                    + e.getMessage(), e);
        }
    }

    @Override
    public OutputStream stdin() {
        return stdin;
    }

    @Override
    public InputStream stdout() {
        return stdout;
    }

    @Override
    public InputStream stderr() {
        return stderr;
    }

    @Override
    public void resize(int width, int height) {
        if (pty == null || closed.get()) {
            return;
        }
        try {
            pty.resize(width, height);
            long pid = execPid();
            // Before the pid file runc has not started copying the size: it will read the one just set.
            boolean direct = pid > 0 && runc.isAlive() && pty.copySizeTo(pid);
            if (!direct && runc.isAlive() && libc.calls().kill((int) runc.pid(), Libc.SIGWINCH) < 0) {
                LOG.debug("exec in {}: cannot signal runc {}: {}", id, runc.pid(), Libc.describe(libc.errno()));
            }
        } catch (IOException e) {
            LOG.debug("exec in {}: resize failed: {}", id, e.getMessage());
        }
    }

    /** runc's exit code; what the command wrote is in the stream pipes by then. */
    @Override
    public int waitFor() throws InterruptedException {
        return runc.waitFor();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        // Sessions are often closed by a thread that was just interrupted (its client went away); the waits in
        // stopRunc must still happen, or only runc would die and the command would live on in the container.
        boolean wasInterrupted = Thread.interrupted();
        try {
            stopRunc();
        } catch (InterruptedException e) {
            long pid = execPid();
            if (pid > 0 && runc.isAlive()) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
            runc.destroyForcibly();
            wasInterrupted = true;
        } finally {
            if (wasInterrupted) {
                Thread.currentThread().interrupt();
            }
            closeQuietly(runc.getOutputStream());
            closeQuietly(runc.getInputStream());
            closeQuietly(runc.getErrorStream());
            if (pty != null) {
                pty.close();
            }
            for (Path f : files) {
                try {
                    Files.deleteIfExists(f);
                } catch (IOException e) {
                    LOG.debug("cannot remove {}: {}", f, e.toString());
                }
            }
        }
    }

    /**
     * Kills the command, not just runc: killing runc alone leaves the command running in the container. While runc
     * lives the pid in its pid file is the command's (runc reaps it), so the kill cannot hit a reused pid.
     */
    private void stopRunc() throws InterruptedException {
        if (!runc.isAlive()) {
            return;
        }
        long pid = awaitExecPid();
        if (pid > 0 && runc.isAlive()) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        if (!runc.waitFor(WAIT_MS, TimeUnit.MILLISECONDS)) {
            LOG.warn("exec in {}: runc {} did not exit after its command was killed; killing runc", id, runc.pid());
            runc.destroyForcibly();
            runc.waitFor(WAIT_MS, TimeUnit.MILLISECONDS);
        }
    }

    /** The command's pid, waiting (bounded) while runc still sets it up; 0 if runc ended or never wrote it. */
    private long awaitExecPid() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        long pid = execPid();
        while (pid == 0 && runc.isAlive() && System.nanoTime() - deadline < 0) {
            Thread.sleep(2);
            pid = execPid();
        }
        return pid;
    }

    private long execPid() {
        long pid = execPid;
        if (pid == 0) {
            pid = ProcFs.readPid(pidFile).orElse(0L);
            execPid = pid;
        }
        return pid;
    }

    /** See the class comment: input must not overtake the terminal's first size. */
    private void awaitTerminal() throws InterruptedIOException {
        if (inputReady) {
            return;
        }
        synchronized (firstInput) {
            if (inputReady) {
                return;
            }
            try {
                long pid = awaitExecPid();
                if (pid > 0 && runc.isAlive()) {
                    pty.copySizeTo(pid);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while runc starts the command");
            }
            inputReady = true;
        }
    }

    private static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            // the session is over either way
        }
    }

    /**
     * runc's stdin. The JDK buffers a child's stdin; an interactive session needs every write delivered, so each
     * write flushes (large writes bypass the buffer anyway).
     */
    private final class Stdin extends FilterOutputStream {
        Stdin(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (pty != null) {
                awaitTerminal();
            }
            out.write(b, off, len);
            out.flush();
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }
    }

    /**
     * runc's stdout, then what runc wrote to its host console (the pty): its own error messages, which a user at a
     * terminal would see there. runc has written them by the time its stdout ends, which is when it exits.
     */
    private static final class TerminalOutput extends InputStream {
        private final InputStream runcOut;
        private final Pty pty;
        private byte[] leftover;
        private int pos;

        TerminalOutput(InputStream runcOut, Pty pty) {
            this.runcOut = runcOut;
            this.pty = pty;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (leftover == null) {
                int n = runcOut.read(b, off, len);
                if (n >= 0) {
                    return n;
                }
                leftover = pty.drain();
            }
            if (pos == leftover.length) {
                return -1;
            }
            int n = Math.min(len, leftover.length - pos);
            System.arraycopy(leftover, pos, b, off, n);
            pos += n;
            return n;
        }

        @Override
        public int available() throws IOException {
            return leftover == null ? runcOut.available() : leftover.length - pos;
        }

        @Override
        public void close() throws IOException {
            runcOut.close();
        }
    }
}
