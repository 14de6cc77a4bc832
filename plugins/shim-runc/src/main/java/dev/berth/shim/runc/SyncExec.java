package dev.berth.shim.runc;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.runtime.ExecResult;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs one {@code runc exec} to completion for ExecSync: stdin from /dev/null, each output stream kept up to a cap
 * (and drained beyond it, or the command would block on a full pipe), killed at the deadline. Killing only runc would
 * leave the exec'd process running in the container, so its pid comes from runc's {@code --pid-file}.
 */
final class SyncExec {
    private SyncExec() {
    }

    /**
     * @param command the full runc exec command line, writing the process's pid to {@code pidFile}
     * @param timeout zero: no limit
     */
    static ExecResult run(String id, List<String> command, Path pidFile, Duration timeout, int maxBytes) {
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new BerthException(ErrorKind.INTERNAL, "cannot run " + command.get(0) + ": " + e.getMessage(), e);
        }
        CappedDrain out = new CappedDrain(p.getInputStream(), maxBytes, "berth-exec-out-" + id);
        CappedDrain err = new CappedDrain(p.getErrorStream(), maxBytes, "berth-exec-err-" + id);
        out.start();
        err.start();
        try {
            boolean done;
            if (timeout.isZero() || timeout.isNegative()) {
                p.waitFor();
                done = true;
            } else {
                done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
            if (!done) {
                ProcFs.readPid(pidFile).ifPresent(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                throw new BerthException(ErrorKind.DEADLINE_EXCEEDED, "command " + command.subList(
                        command.indexOf(id) + 1, command.size()) + " in container " + id + " did not finish within "
                        + timeout.toMillis() + " ms and was killed");
            }
            out.join(5000);
            err.join(5000);
        } catch (InterruptedException e) {
            ProcFs.readPid(pidFile).ifPresent(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new BerthException(ErrorKind.CANCELLED, "interrupted while running exec in container " + id);
        } finally {
            try {
                Files.deleteIfExists(pidFile);
            } catch (IOException e) {
                // a stray pid file in the bundle is harmless
            }
        }
        return new ExecResult(p.exitValue(), out.bytes(), err.bytes(), out.truncated() || err.truncated());
    }

    /** Keeps the first {@code max} bytes of a stream and reads (drops) the rest. */
    static final class CappedDrain extends Thread {
        private final InputStream in;
        private final int max;
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private boolean truncated;

        CappedDrain(InputStream in, int max, String name) {
            super(name);
            setDaemon(true);
            this.in = in;
            this.max = max;
        }

        @Override
        public void run() {
            byte[] buf = new byte[16384];
            try (in) {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    synchronized (this) {
                        int room = max - kept.size();
                        if (n > room) {
                            truncated = true;
                        }
                        if (room > 0) {
                            kept.write(buf, 0, Math.min(room, n));
                        }
                    }
                }
            } catch (IOException e) {
                // closed when the process was killed: keep what arrived
            }
        }

        synchronized byte[] bytes() {
            return kept.toByteArray();
        }

        synchronized boolean truncated() {
            return truncated;
        }
    }
}
