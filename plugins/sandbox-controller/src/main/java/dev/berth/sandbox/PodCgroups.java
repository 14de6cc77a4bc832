package dev.berth.sandbox;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The cgroup of a pod's own process, the pid namespace holder: {@code <cgroup_parent>/berth-<sandbox id>} in every
 * mounted hierarchy (the v1 controllers, the v2 tree, or both on a hybrid host), beside its containers, which runc
 * puts at {@code <cgroup_parent>/berth-<container id>}. So the holder and the orphans it reaps count against the
 * pod's limits that the kubelet set on the parent, not against berthd.
 * <p>
 * Only for the cgroupfs form of parent (a path). A systemd slice ({@code *.slice}) would need a scope unit made
 * through systemd; the holder then stays in berthd's cgroup, which {@code KillMode=process} leaves alone.
 */
final class PodCgroups {
    private static final String PREFIX = "berth-";
    private static final int REMOVE_ATTEMPTS = 200;

    private final Path root;

    PodCgroups(Path root) {
        this.root = root;
    }

    /** Whether a pod with this cgroup parent gets a cgroup of its own here. */
    static boolean applies(String parent) {
        return !parent.isEmpty() && !parent.endsWith(".slice");
    }

    /** The parent as a path relative to a hierarchy's root; INVALID_ARGUMENT when it would climb out of it. */
    static Path relative(String parent) {
        for (String part : parent.split("/")) {
            if (part.equals("..") || part.equals(".")) {
                throw BerthException.invalidArgument("config.linux.cgroup_parent \"%s\" must not contain . or .. parts",
                        parent);
            }
        }
        return Path.of("/").relativize(Path.of("/" + parent));
    }

    /**
     * Moves {@code pid}, then the children it has forked so far, into the pod's cgroup in every hierarchy (children
     * forked later inherit it). INTERNAL naming the file when the kernel refuses.
     */
    void join(String parent, String id, long pid) {
        Path rel = relative(parent).resolve(PREFIX + id);
        for (Path h : hierarchies()) {
            Path dir = create(h, rel);
            write(dir.resolve("cgroup.procs"), Long.toString(pid));
            for (String child : read(Path.of("/proc", Long.toString(pid), "task", Long.toString(pid), "children"))
                    .trim().split("\\s+")) {
                if (!child.isEmpty()) {
                    write(dir.resolve("cgroup.procs"), child);
                }
            }
        }
    }

    /**
     * Removes the pod's cgroup from every hierarchy. A killed process leaves its cgroup a moment after it dies, so an
     * emptied cgroup that is still busy is tried again for a while. Nothing to do when it is not there.
     */
    void remove(String parent, String id) {
        if (!applies(parent)) {
            return;
        }
        Path rel = relative(parent).resolve(PREFIX + id);
        for (Path h : hierarchies()) {
            Path dir = h.resolve(rel);
            for (int attempt = 1; Files.isDirectory(dir); attempt++) {
                try {
                    Files.delete(dir);
                } catch (NoSuchFileException gone) {
                    break;
                } catch (IOException e) {
                    if (attempt >= REMOVE_ATTEMPTS) {
                        throw new BerthException(ErrorKind.INTERNAL, "cannot remove cgroup " + dir + ": " + e.getMessage(), e);
                    }
                    pause();
                }
            }
        }
    }

    /** Each mounted hierarchy once: the root itself on a pure v2 host, else its subdirectories that are cgroups. */
    List<Path> hierarchies() {
        if (Files.exists(root.resolve("cgroup.procs"))) {
            return List.of(root);
        }
        Set<Path> out = new LinkedHashSet<>();
        try (Stream<Path> s = Files.list(root)) {
            for (Path d : s.sorted().toList()) {
                if (Files.exists(d.resolve("cgroup.procs"))) {
                    out.add(d.toRealPath()); // cpu and cpuacct are often links to one "cpu,cpuacct"
                }
            }
        } catch (IOException e) {
            throw new BerthException(ErrorKind.INTERNAL, "cannot list cgroup hierarchies in " + root + ": " + e.getMessage(), e);
        }
        return new ArrayList<>(out);
    }

    /** Makes {@code rel} below hierarchy {@code h}, each new cpuset level given its parent's cpus and mems. */
    private static Path create(Path h, Path rel) {
        Path dir = h;
        for (Path part : rel) {
            Path parentDir = dir;
            dir = dir.resolve(part);
            if (Files.isDirectory(dir)) {
                continue;
            }
            try {
                Files.createDirectory(dir);
            } catch (java.nio.file.FileAlreadyExistsException raced) {
                continue;
            } catch (IOException e) {
                throw new BerthException(ErrorKind.INTERNAL, "cannot create cgroup " + dir + ": " + e.getMessage(), e);
            }
            // A new v1 cpuset starts with no cpus or mems, and takes no task until it has both.
            for (String f : List.of("cpuset.cpus", "cpuset.mems")) {
                if (Files.exists(dir.resolve(f)) && read(dir.resolve(f)).isBlank()) {
                    write(dir.resolve(f), read(parentDir.resolve(f)).strip());
                }
            }
        }
        return dir;
    }

    private static void write(Path file, String value) {
        try {
            Files.writeString(file, value, StandardCharsets.UTF_8);
        } catch (IOException e) {
            String why = e instanceof FileSystemException fse && fse.getReason() != null ? fse.getReason() : e.getMessage();
            throw new BerthException(ErrorKind.INTERNAL, "cannot write \"" + value + "\" to " + file + ": " + why, e);
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static void pause() {
        try {
            Thread.sleep(5);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BerthException(ErrorKind.CANCELLED, "interrupted while removing a pod cgroup", e);
        }
    }
}
