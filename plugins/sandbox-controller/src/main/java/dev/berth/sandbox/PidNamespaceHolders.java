package dev.berth.sandbox;

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
import java.util.stream.Stream;

/**
 * Infra processes that hold a pod's shared PID namespace. A PID namespace cannot be pinned by a bind mount like
 * net/ipc/uts — it dies with its init — so a pod with pid mode POD gets one small process: {@code /bin/sh} as pid 1
 * of a new namespace ({@code unshare --pid --fork}), inside the pod's pinned net/ipc/uts namespaces, sleeping and
 * reaping the orphans the pod's processes leave behind (dash's {@code wait} reaps any child, adopted ones included).
 * <p>
 * It is started in a session of its own, with /dev/null stdio and / as working directory, so it outlives berthd.
 * Its last argument, {@code berth-infra-<sandbox id>}, tells it apart from whatever later reuses its pid.
 */
final class PidNamespaceHolders {
    static final String MARKER_PREFIX = "berth-infra-";
    private static final String SHELL = "/bin/sh";
    /** TERM/INT end it cleanly; {@code wait} without operands returns for every child that exits, reaping it. */
    private static final String SCRIPT = "trap 'exit 0' TERM INT; while :; do sleep 86400 & wait; done";
    private static final File DEV_NULL = new File("/dev/null");
    private static final Duration POLL = Duration.ofMillis(2);
    private static final Duration LAUNCHER_EXIT_GRACE = Duration.ofSeconds(1);

    private final Duration startTimeout;
    private final Duration killTimeout;

    PidNamespaceHolders(Duration startTimeout, Duration killTimeout) {
        this.startTimeout = startTimeout;
        this.killTimeout = killTimeout;
    }

    static String marker(String sandboxId) {
        return MARKER_PREFIX + sandboxId;
    }

    /**
     * Starts the holder of sandbox {@code id}, joined to the given pinned namespaces (a null path: that kind is not
     * joined), and returns its host pid. On failure nothing of it is left running.
     */
    long start(String id, Path netns, Path ipcns, Path utsns) {
        return start(id, null, netns, ipcns, utsns);
    }

    /**
     * As {@link #start(String, Path, Path, Path)}, first joining the pod's user namespace {@code userns} (when not
     * null), so that the new pid namespace belongs to it and the pod's containers can mount its /proc.
     */
    long start(String id, Path userns, Path netns, Path ipcns, Path utsns) {
        List<String> cmd = new ArrayList<>(List.of("setsid"));
        List<String> join = new ArrayList<>();
        if (userns != null) {
            join.add("--user=" + userns); // nsenter joins it first; the others belong to it
        }
        if (netns != null) {
            join.add("--net=" + netns);
        }
        if (ipcns != null) {
            join.add("--ipc=" + ipcns);
        }
        if (utsns != null) {
            join.add("--uts=" + utsns);
        }
        if (!join.isEmpty()) {
            cmd.add("nsenter"); // execs unshare without forking: the pid stays the launcher's
            cmd.addAll(join);
        }
        cmd.addAll(List.of("unshare", "--pid", "--fork", SHELL, "-c", SCRIPT, marker(id)));
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .directory(new File("/")) // a working directory under a sandbox dir would keep its mount busy
                .redirectInput(ProcessBuilder.Redirect.from(DEV_NULL))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().clear();
        pb.environment().put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        Process launcher;
        try {
            launcher = pb.start();
        } catch (IOException e) {
            throw new BerthException(ErrorKind.INTERNAL, "sandbox " + id + ": cannot start the pid namespace holder ("
                    + String.join(" ", cmd) + "): " + e.getMessage(), e);
        }
        try {
            return awaitHolder(id, launcher, cmd);
        } catch (RuntimeException e) {
            boolean interrupted = Thread.interrupted();
            try {
                killLaunch(id, launcher);
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            throw e;
        }
    }

    /** Whether {@code pid} is the live holder of sandbox {@code id} (a zombie or a reused pid is not). */
    boolean isAlive(long pid, String id) {
        if (pid <= 0) {
            return false;
        }
        List<String> argv = cmdline(pid);
        return argv.size() >= 2 && argv.get(0).equals(SHELL) && argv.get(argv.size() - 1).equals(marker(id));
    }

    /**
     * Kills the holder {@code pid} of sandbox {@code id} with SIGKILL (the kernel then kills whatever else lives in
     * its namespace) and waits until it is gone; its {@code unshare} parent then reaps it and exits, or is killed
     * too. Nothing to do when the pid is no longer the holder. Throws when they outlive the kill timeout.
     */
    void kill(long pid, String id) {
        if (!isAlive(pid, id)) {
            return;
        }
        long parent = parentOf(pid);
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        awaitGone(pid, id);
        if (parent > 1 && isLauncher(parent, id)) {
            // Killed before it reaps the holder, unshare would leave a zombie to init, which may never reap it.
            if (!waitUntilGone(parent, LAUNCHER_EXIT_GRACE)) {
                ProcessHandle.of(parent).ifPresent(ProcessHandle::destroyForcibly);
                awaitGone(parent, id);
            }
        }
    }

    /**
     * Kills every process carrying sandbox {@code id}'s marker: for when the holder's pid was never recorded (the
     * daemon died while starting it). Scans /proc, so only for such rare paths.
     */
    void killAll(String id) {
        for (long pid : withMarker(id)) {
            kill(pid, id); // a holder, with its launcher
        }
        for (long pid : withMarker(id)) {
            // A launcher without a holder, or its child between fork and exec.
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            awaitGone(pid, id);
        }
    }

    // ---------------------------------------------------------------- helpers

    private long awaitHolder(String id, Process launcher, List<String> cmd) {
        long deadline = System.nanoTime() + startTimeout.toNanos();
        Path children = Path.of("/proc", Long.toString(launcher.pid()), "task", Long.toString(launcher.pid()),
                "children");
        while (true) {
            // The child may still be between fork and exec (unshare's argv): wait for the shell.
            for (long child : pids(read(children))) {
                if (isAlive(child, id)) {
                    return child;
                }
            }
            if (!launcher.isAlive()) {
                throw new BerthException(ErrorKind.INTERNAL, "sandbox " + id + ": the pid namespace holder ("
                        + String.join(" ", cmd) + ") exited with code " + launcher.exitValue());
            }
            if (System.nanoTime() - deadline > 0) {
                throw new BerthException(ErrorKind.DEADLINE_EXCEEDED, "sandbox " + id
                        + ": the pid namespace holder did not start within " + startTimeout.toMillis() + " ms");
            }
            sleep("of sandbox " + id);
        }
    }

    /**
     * Kills a launch that failed half-way: the holder first, so that the launcher reaps it, then the launcher, then
     * anything it forked meanwhile.
     */
    private void killLaunch(String id, Process launcher) {
        Path children = Path.of("/proc", Long.toString(launcher.pid()), "task", Long.toString(launcher.pid()),
                "children");
        for (long child : pids(read(children))) {
            ProcessHandle.of(child).ifPresent(ProcessHandle::destroyForcibly);
            awaitGone(child, id);
        }
        launcher.destroyForcibly();
        try {
            if (!launcher.waitFor(killTimeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                throw new BerthException(ErrorKind.INTERNAL, "sandbox " + id + ": launcher of the pid namespace holder "
                        + launcher.pid() + " survived SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BerthException(ErrorKind.CANCELLED, "sandbox " + id + ": interrupted while killing its holder", e);
        }
        killAll(id);
    }

    private void awaitGone(long pid, String id) {
        if (!waitUntilGone(pid, killTimeout)) {
            throw new BerthException(ErrorKind.INTERNAL, "sandbox " + id + ": process " + pid
                    + " of its pid namespace holder is still alive " + killTimeout.toMillis() + " ms after SIGKILL");
        }
    }

    /** Whether {@code pid} died (a zombie counts) within {@code timeout}. */
    private static boolean waitUntilGone(long pid, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (alive(pid)) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            sleep("of process " + pid);
        }
        return true;
    }

    private static void sleep(String what) {
        try {
            Thread.sleep(POLL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BerthException(ErrorKind.CANCELLED, "interrupted while waiting for the holder " + what, e);
        }
    }

    /** The {@code unshare} (or a not yet exec'd child of it) that launched sandbox {@code id}'s holder. */
    private static boolean isLauncher(long pid, String id) {
        List<String> argv = cmdline(pid);
        return argv.size() >= 2 && !argv.get(0).equals(SHELL) && argv.get(argv.size() - 1).equals(marker(id));
    }

    private static List<Long> withMarker(String id) {
        List<Long> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("/proc"))) {
            for (Path p : s.toList()) {
                String name = p.getFileName().toString();
                if (name.chars().allMatch(Character::isDigit)) {
                    long pid = Long.parseLong(name);
                    List<String> argv = cmdline(pid);
                    if (!argv.isEmpty() && argv.get(argv.size() - 1).equals(marker(id))) {
                        out.add(pid);
                    }
                }
            }
        } catch (IOException e) {
            throw new BerthException(ErrorKind.INTERNAL, "cannot list /proc: " + e.getMessage(), e);
        }
        return out;
    }

    /** Alive and not a zombie (a zombie holder no longer holds its namespace; its parent reaps it). */
    private static boolean alive(long pid) {
        String stat = read(Path.of("/proc", Long.toString(pid), "stat"));
        int end = stat.lastIndexOf(')');
        return end >= 0 && end + 2 < stat.length() && stat.charAt(end + 2) != 'Z' && stat.charAt(end + 2) != 'X';
    }

    private static long parentOf(long pid) {
        String stat = read(Path.of("/proc", Long.toString(pid), "stat"));
        int end = stat.lastIndexOf(')');
        if (end < 0) {
            return 0;
        }
        String[] fields = stat.substring(end + 2).split(" ");
        return fields.length > 1 ? Long.parseLong(fields[1]) : 0;
    }

    private static List<String> cmdline(long pid) {
        String raw = read(Path.of("/proc", Long.toString(pid), "cmdline"));
        if (raw.isEmpty()) {
            return List.of(); // gone, a zombie, or a kernel thread
        }
        return List.of(raw.split("\0"));
    }

    private static List<Long> pids(String text) {
        List<Long> out = new ArrayList<>();
        for (String s : text.trim().split("\\s+")) {
            if (!s.isEmpty()) {
                out.add(Long.parseLong(s));
            }
        }
        return out;
    }

    /** A /proc file's text, or "" when the process is gone. */
    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
