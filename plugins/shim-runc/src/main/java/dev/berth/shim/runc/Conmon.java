package dev.berth.shim.runc;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Starts conmon, which daemonizes, runs {@code runc create} and then stays as the container's monitor (stdio, log
 * file, exit file). Conmon reports the outcome as one JSON line on the fd named by {@code _OCI_SYNCPIPE}. That fd is
 * a file in the bundle, opened as fd 3 by a shell before it execs conmon (a Java child inherits only fds 0-2), not a
 * pipe to the JVM: Java closes a child's stdout pipe as soon as the child exits, and the first conmon exits right
 * after forking the monitor, before the monitor reports; a file also never SIGPIPEs the monitor once we stop reading.
 */
public final class Conmon {
    private static final int MAX_SYNC_LINE = 1 << 16;
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
        Path syncFile = d.syncFile();
        List<String> cmd = new ArrayList<>(List.of("/bin/sh", "-c",
                "exec 3>\"$BERTH_SYNC_FILE\"; unset BERTH_SYNC_FILE; exec \"$0\" \"$@\"", conmonPath.toString()));
        cmd.addAll(arguments(r));
        // conmon writes some files (an "oom" marker) relative to its working directory: keep them in the bundle
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .directory(d.bundle().toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(d.conmonLog().toFile()))
                .redirectError(ProcessBuilder.Redirect.appendTo(d.conmonLog().toFile()));
        pb.environment().put("_OCI_SYNCPIPE", "3");
        pb.environment().put("BERTH_SYNC_FILE", syncFile.toString());
        Process p;
        try {
            Files.deleteIfExists(syncFile);
            p = pb.start();
        } catch (IOException e) {
            throw new BerthException(ErrorKind.INTERNAL, "cannot run " + conmonPath + ": " + e.getMessage(), e);
        }
        long deadline = System.nanoTime() + syncTimeout.toNanos();
        try {
            // The first conmon exits as soon as the monitor has forked off; non-zero means it never got that far.
            if (!p.waitFor(syncTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw timeout(d);
            }
            if (p.exitValue() != 0) {
                throw new BerthException(ErrorKind.INTERNAL, "conmon failed (exit " + p.exitValue()
                        + ") to create container " + d.id() + detail(d));
            }
            for (long pause = 1; ; pause = Math.min(pause * 2, 5)) {
                String line = firstLine(syncFile);
                if (line != null) {
                    return parseSync(line, d);
                }
                Optional<Long> monitor = ProcFs.readPid(d.conmonPidFile());
                if (monitor.isPresent() && !ProcFs.alive(monitor.get(), d.id())) {
                    line = firstLine(syncFile);
                    if (line != null) {
                        return parseSync(line, d);
                    }
                    throw new BerthException(ErrorKind.INTERNAL, "conmon exited without reporting the create of"
                            + " container " + d.id() + detail(d));
                }
                if (System.nanoTime() - deadline >= 0) {
                    throw timeout(d);
                }
                Thread.sleep(pause);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BerthException(ErrorKind.CANCELLED, "interrupted while creating container " + d.id());
        }
    }

    private BerthException timeout(ContainerDirs d) {
        return new BerthException(ErrorKind.DEADLINE_EXCEEDED, "conmon did not report the create of container "
                + d.id() + " within " + syncTimeout.toSeconds() + " s" + detail(d));
    }

    /** The sync file's first line once it is complete, else null. */
    private static String firstLine(Path syncFile) {
        byte[] b;
        try {
            b = Files.readAllBytes(syncFile);
        } catch (IOException e) {
            return null;
        }
        for (int i = 0; i < Math.min(b.length, MAX_SYNC_LINE); i++) {
            if (b[i] == '\n') {
                return new String(b, 0, i, StandardCharsets.UTF_8);
            }
        }
        return null;
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
