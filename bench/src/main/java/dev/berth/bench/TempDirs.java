package dev.berth.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Temp directories of the benchmark, all under /tmp and named {@code berth-bench-*}. The ones not yet deleted are
 * remembered so that an interrupted run (Ctrl-C) still kills its processes and removes them.
 */
final class TempDirs {
    private static final Set<Path> LIVE = ConcurrentHashMap.newKeySet();
    /** Host changes outside /tmp (a CNI bridge, say) to undo after an interrupted run, once the rest is cleaned up. */
    private static final Set<Runnable> LAST = ConcurrentHashMap.newKeySet();
    private static volatile boolean shuttingDown;

    private TempDirs() {
    }

    static Path create(String kind) throws IOException {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "berth-bench-" + kind + "-");
        LIVE.add(dir);
        return dir;
    }

    /** Removes {@code dir} and everything below it (symlinks are removed, never followed). */
    static void delete(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (var walk = Files.walk(dir)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        LIVE.remove(dir);
    }

    /** Runs {@code undo} at the end of {@link #cleanUpAfterInterrupt} until {@link #forgetAtInterrupt} is called. */
    static void atInterrupt(Runnable undo) {
        LAST.add(undo);
    }

    static void forgetAtInterrupt(Runnable undo) {
        LAST.remove(undo);
    }

    /** Whether the JVM is shutting down (Ctrl-C, SIGTERM): workloads stop starting new things. */
    static boolean shuttingDown() {
        return shuttingDown;
    }

    /**
     * Shutdown hook: after a normal run nothing is left; after Ctrl-C, kills the processes this JVM started (daemons,
     * registry, skopeo: its descendants, by pid), unmounts what they left and removes the remaining directories;
     * then runs what {@link #atInterrupt} registered.
     */
    static void cleanUpAfterInterrupt() {
        shuttingDown = true;
        try {
            cleanUpDirs();
        } finally {
            for (Runnable undo : Set.copyOf(LAST)) {
                try {
                    undo.run();
                } catch (RuntimeException e) {
                    System.err.println("bench: cleanup after interrupt: " + e);
                }
            }
        }
    }

    private static void cleanUpDirs() {
        if (LIVE.isEmpty()) {
            return;
        }
        ProcessHandle.current().descendants().forEach(ProcessHandle::destroy);
        ProcessHandle.current().descendants().forEach(p -> {
            try {
                p.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                p.destroyForcibly();
            }
        });
        Cgroups.removeAllLive(); // the containers still running in them, before their rootfs mounts are undone
        for (Path dir : Set.copyOf(LIVE)) {
            try {
                // conmon and containerd shims re-parent to init: not descendants, found by the dir they name
                List<Procs.Proc> monitors = new ArrayList<>(Procs.named("conmon", dir.toString()));
                monitors.addAll(Procs.named("containerd-shim-runc-v2", dir.toString()));
                Procs.kill(monitors);
            } catch (IOException | RuntimeException e) {
                System.err.println("bench: cannot look for monitors under " + dir + ": " + e);
            }
            try {
                Mounts.unmountUnder(dir);
                delete(dir);
            } catch (IOException | InterruptedException | RuntimeException e) {
                System.err.println("bench: cannot clean up " + dir + ": " + e);
            }
        }
    }

    /** Ctrl-C or SIGTERM: start nothing more (the shutdown hook is cleaning up meanwhile). */
    static void checkNotShuttingDown() {
        if (shuttingDown()) {
            throw new IllegalStateException("interrupted: shutting down");
        }
    }
}
