package dev.berth.shim.runc;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * Starts conmon, which daemonizes, runs {@code runc create} and then stays as the container's monitor (stdio, log
 * file, exit file). Conmon reports the outcome as one JSON line on the fd named by {@code _OCI_SYNCPIPE}: the write
 * end of a pipe it gets as fd 3 ({@link PosixSpawn}; a {@link ProcessBuilder} child inherits only fds 0-2). The shim
 * blocks on the read end, so it learns the outcome the moment conmon writes it; end of file before a line means both
 * conmon processes are gone without a report. conmon writes that one line only (the exit code goes to the exit
 * file), so closing the read end afterwards never costs the monitor a SIGPIPE.
 */
public final class Conmon {
    private static final int MAX_SYNC_LINE = 1 << 16;
    private static final int SYNC_FD = 3;
    private final Path conmonPath;
    private final RuncShimSettings settings;
    private final Duration syncTimeout;

    public Conmon(Path conmonPath, RuncShimSettings settings, Duration syncTimeout) {
        this.conmonPath = conmonPath;
        this.settings = settings;
        this.syncTimeout = syncTimeout;
    }

    /** What conmon needs to know about one container; {@code runtime} is the OCI runtime binary it runs. */
    public record Request(ContainerDirs dirs, Path runtime, String name, String logPath, boolean stdin, boolean stdinOnce,
                          boolean tty) {
    }

    /** conmon's command line for {@code r} (after the binary), public facts from {@code conmon --help}. */
    List<String> arguments(Request r) {
        ContainerDirs d = r.dirs();
        List<String> a = new ArrayList<>(List.of("--api-version", "1", "-c", d.id(), "-u", d.id(),
                "-n", r.name().isEmpty() ? d.id() : r.name(), "-r", r.runtime().toString(),
                "-b", d.bundle().toString(), "-p", d.pidFile().toString(), "-P", d.conmonPidFile().toString(),
                "-l", r.logPath().isEmpty() ? "none:" : "k8s-file:" + r.logPath(),
                "--exit-dir", d.exitDir().toString(), "--socket-dir-path", d.attachDir().toString(),
                "-0", d.persistDir().toString(),
                "--runtime-arg", "--root=" + d.runcRoot(),
                "--runtime-arg", "--log=" + d.runtimeLog(),
                "--runtime-arg", "--log-format=json"));
        if (settings.systemdCgroup()) {
            a.add("-s");
        }
        if (r.stdin()) {
            a.add("-i");
            if (!r.stdinOnce()) {
                a.add("--leave-stdin-open");
            }
        }
        if (r.tty()) {
            a.add("-t");
        }
        if (settings.logSizeMax() > 0) {
            a.add("--log-size-max");
            a.add(Long.toString(settings.logSizeMax()));
        }
        return a;
    }

    /**
     * Launches conmon and waits for runc's create step.
     *
     * @return the container's init pid on the host
     * @throws BerthException carrying the runtime's message when create failed, DEADLINE_EXCEEDED when conmon did
     *                        not report in time
     */
    public long create(Request r) {
        ContainerDirs d = r.dirs();
        List<String> cmd = new ArrayList<>();
        cmd.add(conmonPath.toString());
        cmd.addAll(arguments(r));
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("_OCI_SYNCPIPE", Integer.toString(SYNC_FD));
        PosixSpawn ps = PosixSpawn.get();
        long deadline = System.nanoTime() + syncTimeout.toNanos();
        PosixSpawn.Child first;
        try {
            // conmon writes some files (an "oom" marker) relative to its working directory: keep them in the bundle
            first = ps.start(cmd, env, d.bundle(), d.conmonLog(), SYNC_FD);
        } catch (IOException e) {
            throw new BerthException(ErrorKind.INTERNAL, "cannot run " + conmonPath + ": " + e.getMessage(), e);
        }
        String line;
        try {
            line = ps.readLine(first.pipe(), deadline, MAX_SYNC_LINE);
        } catch (TimeoutException e) {
            ps.killAndReap(first.pid());
            throw timeout(d);
        } catch (IOException e) {
            ps.killAndReap(first.pid());
            throw new BerthException(ErrorKind.INTERNAL, "cannot read conmon's report on container " + d.id() + ": "
                    + e.getMessage(), e);
        } catch (InterruptedException e) {
            ps.killAndReap(first.pid());
            Thread.currentThread().interrupt();
            throw new BerthException(ErrorKind.CANCELLED, "interrupted while creating container " + d.id());
        } finally {
            ps.close(first.pipe());
        }
        // the first conmon exits as soon as it has forked the monitor and written its pid file: long before the report
        int exit = ps.reap(first.pid(), deadline);
        if (line != null) {
            return parseSync(line, d);
        }
        if (exit != 0) {
            throw new BerthException(ErrorKind.INTERNAL, "conmon failed (exit " + exit + ") to create container "
                    + d.id() + detail(d));
        }
        throw new BerthException(ErrorKind.INTERNAL, "conmon exited without reporting the create of container " + d.id()
                + detail(d));
    }

    private BerthException timeout(ContainerDirs d) {
        return new BerthException(ErrorKind.DEADLINE_EXCEEDED, "conmon did not report the create of container "
                + d.id() + " within " + syncTimeout.toSeconds() + " s" + detail(d));
    }

    /** Interprets {@code {"data": pid}} or {@code {"data": -1, "message": "..."}}. */
    long parseSync(String sync, ContainerDirs dirs) {
        JsonObject o;
        try {
            JsonElement e = JsonParser.parseString(sync);
            o = e.getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw new BerthException(ErrorKind.INTERNAL, "conmon sent an unreadable sync message: " + sync);
        }
        long pid = o.has("data") ? o.get("data").getAsLong() : -1;
        if (pid > 0) {
            return pid;
        }
        String msg = o.has("message") ? o.get("message").getAsString().strip() : "";
        String runtime = RuntimeLog.lastError(dirs.runtimeLog());
        StringBuilder b = new StringBuilder("runtime failed to create container ").append(dirs.id());
        if (!msg.isEmpty()) {
            b.append(": ").append(msg);
        }
        if (!runtime.isEmpty() && !msg.contains(runtime)) {
            b.append(msg.isEmpty() ? ": " : "; runtime log: ").append(runtime);
        }
        throw new BerthException(ErrorKind.FAILED_PRECONDITION, b.toString());
    }

    private static String detail(ContainerDirs d) {
        String err = tail(d.conmonLog());
        String runtime = RuntimeLog.lastError(d.runtimeLog());
        StringBuilder b = new StringBuilder();
        if (!err.isEmpty()) {
            b.append("; conmon: ").append(err);
        }
        if (!runtime.isEmpty()) {
            b.append("; runtime: ").append(runtime);
        }
        return b.toString();
    }

    static String tail(Path file) {
        try {
            String s = Files.readString(file, StandardCharsets.UTF_8).strip();
            return s.length() > 2000 ? s.substring(s.length() - 2000) : s;
        } catch (IOException e) {
            return "";
        }
    }
}
