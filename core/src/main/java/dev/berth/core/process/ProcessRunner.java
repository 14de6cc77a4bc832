package dev.berth.core.process;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a helper program (unshare, mount, a CNI plugin) with a deadline, feeding stdin and capturing stdout and
 * stderr. Helpers do what the JVM must not do to itself: namespace and mount changes act on the whole process.
 */
public final class ProcessRunner {
    /** What a finished helper left behind. */
    public record Result(int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }

        /** stderr, else stdout, trimmed: what to put into an error message. */
        public String message() {
            String e = stderr.strip();
            return e.isEmpty() ? stdout.strip() : e;
        }
    }

    /** Runs {@code command} with the daemon's environment plus {@code env}; throws only if it cannot run or times out. */
    public Result run(List<String> command, Map<String, String> env, String stdin, Duration timeout) {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(env);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new BerthException(ErrorKind.INTERNAL, "cannot run " + command.get(0) + ": " + e.getMessage(), e);
        }
        // Drain both pipes concurrently: a helper blocked on a full stderr pipe would never exit.
        StreamDrain out = new StreamDrain(p.getInputStream());
        StreamDrain err = new StreamDrain(p.getErrorStream());
        out.start();
        err.start();
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            // The helper may exit without reading stdin; its exit code and stderr tell what happened.
        }
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                throw new BerthException(ErrorKind.DEADLINE_EXCEEDED,
                        command.get(0) + " did not finish within " + timeout.toMillis() + " ms; stderr: " + err.text());
            }
            out.join(5000);
            err.join(5000);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new BerthException(ErrorKind.CANCELLED, "interrupted while running " + command.get(0), e);
        }
        return new Result(p.exitValue(), out.text(), err.text());
    }

    /** Runs and throws INTERNAL with the helper's stderr on a non-zero exit. */
    public Result check(List<String> command, Duration timeout) {
        Result r = run(command, Map.of(), null, timeout);
        if (!r.ok()) {
            throw new BerthException(ErrorKind.INTERNAL,
                    String.join(" ", command) + " failed (exit " + r.exitCode() + "): " + r.message());
        }
        return r;
    }

    private static final class StreamDrain extends Thread {
        private final InputStream in;
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();

        StreamDrain(InputStream in) {
            super("berth-helper-io");
            setDaemon(true);
            this.in = in;
        }

        @Override
        public void run() {
            byte[] b = new byte[8192];
            try (in) {
                for (int n; (n = in.read(b)) >= 0; ) {
                    synchronized (buf) {
                        // Cap what a chatty helper can make us hold.
                        if (buf.size() < 1 << 20) {
                            buf.write(b, 0, n);
                        }
                    }
                }
            } catch (IOException e) {
                // Pipe closed under us (helper killed): keep what we have.
            }
        }

        String text() {
            synchronized (buf) {
                return buf.toString(StandardCharsets.UTF_8);
            }
        }
    }
}
