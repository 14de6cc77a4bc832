package dev.berth.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The cgroups under one parent that only this run uses ({@code /berth-bench-<random>}), in every mounted hierarchy
 * (each cgroup v1 controller, systemd's named one, and the unified one): whatever is still in them is killed and the
 * directories are removed, deepest first.
 */
final class Cgroups {
    private static final Path ROOT = Path.of("/sys/fs/cgroup");
    /** Parents in use, for the shutdown hook after Ctrl-C. */
    private static final Set<String> LIVE = ConcurrentHashMap.newKeySet();

    private Cgroups() {
    }

    /** Remembers {@code parent} until {@link #removeAll} so that an interrupted run still removes it. */
    static String track(String parent) {
        LIVE.add(parent);
        return parent;
    }

    /** Shutdown hook: removes every parent still tracked. */
    static void removeAllLive() {
        Set.copyOf(LIVE).forEach(Cgroups::removeAll);
    }

    /** What is under one parent, over every hierarchy: distinct cgroup paths (the parent excluded) and pids. */
    record Usage(int cgroups, int processes) {
    }

    /** Counts the cgroups below {@code parent} and the processes in them (and in it), in every hierarchy. */
    static Usage usage(String parent) {
        String relative = parent.replaceFirst("^/+", "");
        Set<String> cgroups = new java.util.HashSet<>();
        Set<String> pids = new java.util.HashSet<>();
        for (Path top : hierarchies()) {
            Path cg = top.resolve(relative);
            if (!Files.isDirectory(cg)) {
                continue;
            }
            try (Stream<Path> walk = Files.walk(cg)) {
                for (Path d : walk.filter(Files::isDirectory).toList()) {
                    if (!d.equals(cg)) {
                        cgroups.add(cg.relativize(d).toString());
                    }
                    try {
                        Files.readAllLines(d.resolve("cgroup.procs")).stream().filter(l -> !l.isBlank()).forEach(pids::add);
                    } catch (IOException e) {
                        // removed meanwhile
                    }
                }
            } catch (IOException | java.io.UncheckedIOException e) {
                // removed meanwhile
            }
        }
        return new Usage(cgroups.size(), pids.size());
    }

    /** Kills the processes left in {@code parent}'s cgroups (by pid) and removes them; says what it could not. */
    static void removeAll(String parent) {
        String relative = parent.replaceFirst("^/+", "");
        if (relative.isEmpty() || relative.contains("..")) {
            throw new IllegalArgumentException("not a private cgroup parent: " + parent);
        }
        LIVE.remove(parent);
        for (Path top : hierarchies()) {
            Path cg = top.resolve(relative);
            if (!Files.isDirectory(cg)) {
                continue;
            }
            List<Path> dirs;
            try (Stream<Path> walk = Files.walk(cg)) {
                dirs = walk.filter(Files::isDirectory).sorted(Comparator.comparingInt(Path::getNameCount).reversed()).toList();
            } catch (IOException e) {
                System.err.println("bench: cannot list " + cg + ": " + e);
                continue;
            }
            for (Path d : dirs) {
                removeOne(d);
            }
        }
    }

    private static void removeOne(Path dir) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            killProcsIn(dir);
            try {
                Files.delete(dir); // rmdir: refused (EBUSY) while a task is still in it
                return;
            } catch (NoSuchFileException e) {
                return; // removed meanwhile (by the runtime, or by the other of cleanup and shutdown hook)
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    System.err.println("bench: cannot remove cgroup " + dir + ": " + e);
                    return;
                }
                Procs.sleep(50);
            }
        }
    }

    private static void killProcsIn(Path dir) {
        Path procs = dir.resolve("cgroup.procs");
        try {
            for (String line : Files.readAllLines(procs)) {
                if (!line.isBlank()) {
                    ProcessHandle.of(Long.parseLong(line.strip())).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // gone already
        }
    }

    private static List<Path> hierarchies() {
        List<Path> tops = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(ROOT)) {
            for (Path p : s) {
                if (Files.isDirectory(p) && !Files.isSymbolicLink(p)) {
                    tops.add(p);
                }
            }
        } catch (IOException e) {
            // no cgroup file system: nothing to clean
        }
        if (Files.exists(ROOT.resolve("cgroup.procs"))) {
            tops.add(ROOT); // pure cgroup v2
        }
        return tops;
    }
}
