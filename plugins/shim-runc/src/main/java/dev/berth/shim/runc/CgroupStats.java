package dev.berth.shim.runc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a process's CPU and memory usage from its cgroup, v1 (one hierarchy per controller) or v2 (unified). The
 * cgroup is found through {@code /proc/<pid>/cgroup} rather than from the spec, so it is right whatever cgroup
 * manager (cgroupfs or systemd) placed the container.
 */
public final class CgroupStats {
    /** Usage numbers; -1 where the host does not report one. */
    public record Usage(long cpuNanos, long memoryUsage, long workingSet, long rss, long pageFaults,
                        long majorPageFaults) {
        public static final Usage ZERO = new Usage(0, 0, 0, 0, 0, 0);
    }

    private final Path cgroupRoot;
    private final Path procRoot;
    private final boolean v2;

    /**
     * @param cgroupRoot normally /sys/fs/cgroup
     * @param procRoot   normally /proc
     */
    public CgroupStats(Path cgroupRoot, Path procRoot, boolean v2) {
        this.cgroupRoot = cgroupRoot;
        this.procRoot = procRoot;
        this.v2 = v2;
    }

    /** The usage of {@code pid}'s cgroup, or empty when the process is gone. */
    public Optional<Usage> of(long pid) {
        String text;
        try {
            text = Files.readString(procRoot.resolve(Long.toString(pid)).resolve("cgroup"));
        } catch (IOException e) {
            return Optional.empty();
        }
        Map<String, String> paths = parseProcCgroup(text);
        try {
            return Optional.of(v2 ? readV2(paths) : readV1(paths));
        } catch (IOException e) {
            return Optional.empty(); // the cgroup went away with the container
        }
    }

    /**
     * Controller name to cgroup path: v1 lines "4:memory:/a/b" and "2:cpu,cpuacct:/a/b" give one entry per
     * controller; the v2 line "0::/a/b" the entry "".
     */
    static Map<String, String> parseProcCgroup(String text) {
        Map<String, String> out = new HashMap<>();
        for (String line : text.split("\n")) {
            int a = line.indexOf(':');
            int b = a < 0 ? -1 : line.indexOf(':', a + 1);
            if (b < 0) {
                continue;
            }
            String controllers = line.substring(a + 1, b);
            String path = line.substring(b + 1).strip();
            if (controllers.isEmpty()) {
                out.put("", path);
            } else {
                for (String c : controllers.split(",")) {
                    out.put(c, path);
                }
            }
        }
        return out;
    }

    private Usage readV1(Map<String, String> paths) throws IOException {
        Path cpu = v1Dir("cpuacct", paths);
        Path mem = v1Dir("memory", paths);
        long cpuNanos = readLong(cpu.resolve("cpuacct.usage"));
        long usage = readLong(mem.resolve("memory.usage_in_bytes"));
        Map<String, Long> stat = parseFlatKeyed(Files.readString(mem.resolve("memory.stat")));
        long inactive = stat.getOrDefault("total_inactive_file", stat.getOrDefault("inactive_file", 0L));
        long rss = stat.getOrDefault("total_rss", stat.getOrDefault("rss", -1L));
        return new Usage(cpuNanos, usage, Math.max(0, usage - inactive), rss,
                stat.getOrDefault("total_pgfault", stat.getOrDefault("pgfault", -1L)),
                stat.getOrDefault("total_pgmajfault", stat.getOrDefault("pgmajfault", -1L)));
    }

    private Usage readV2(Map<String, String> paths) throws IOException {
        Path dir = under(cgroupRoot, paths.getOrDefault("", "/"));
        Map<String, Long> cpu = parseFlatKeyed(Files.readString(dir.resolve("cpu.stat")));
        long usage = readLong(dir.resolve("memory.current"));
        Map<String, Long> stat = parseFlatKeyed(Files.readString(dir.resolve("memory.stat")));
        long inactive = stat.getOrDefault("inactive_file", 0L);
        return new Usage(cpu.getOrDefault("usage_usec", 0L) * 1000, usage, Math.max(0, usage - inactive),
                stat.getOrDefault("anon", -1L), stat.getOrDefault("pgfault", -1L),
                stat.getOrDefault("pgmajfault", -1L));
    }

    /** The hierarchy's mount is named after the controller, or a combined "cpu,cpuacct" directory links to it. */
    private Path v1Dir(String controller, Map<String, String> paths) throws IOException {
        String path = paths.get(controller);
        if (path == null) {
            throw new IOException("process is in no " + controller + " cgroup");
        }
        return under(cgroupRoot.resolve(controller), path);
    }

    private static Path under(Path base, String cgroupPath) {
        String rel = cgroupPath.startsWith("/") ? cgroupPath.substring(1) : cgroupPath;
        return rel.isEmpty() ? base : base.resolve(rel);
    }

    /** "key value" lines (memory.stat, cpu.stat). */
    static Map<String, Long> parseFlatKeyed(String text) {
        Map<String, Long> out = new HashMap<>();
        for (String line : text.split("\n")) {
            String[] f = line.strip().split("\\s+");
            if (f.length == 2) {
                try {
                    out.put(f[0], Long.parseLong(f[1]));
                } catch (NumberFormatException e) {
                    // not a counter: skip
                }
            }
        }
        return out;
    }

    private static long readLong(Path file) throws IOException {
        String s = Files.readString(file).strip();
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new IOException(file + " holds no number: " + s);
        }
    }
}
