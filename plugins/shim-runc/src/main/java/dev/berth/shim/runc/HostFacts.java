package dev.berth.shim.runc;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What the shim learns about the host once at start: where its binaries are, which cgroup layout runs, and whether
 * the daemon may lower {@code oom_score_adj} (without CAP_SYS_RESOURCE runc fails opaquely if asked to).
 */
public final class HostFacts {
    /** CAP_SYS_RESOURCE, from linux/capability.h. */
    static final int CAP_SYS_RESOURCE = 24;
    /** Daemons often run with a minimal PATH; runc lives in /usr/sbin on Debian. */
    private static final List<String> EXTRA_PATH = List.of("/usr/local/sbin", "/usr/sbin", "/sbin");

    private HostFacts() {
    }

    /**
     * Resolves {@code name} (absolute, or looked up on PATH) to an executable file.
     *
     * @param key the configuration key that named it, for the error message
     * @throws BerthException FAILED_PRECONDITION naming the key when nothing executable is found
     */
    public static Path findExecutable(String name, String key, String pathEnv) {
        if (name.isBlank()) {
            throw new BerthException(ErrorKind.FAILED_PRECONDITION, key + " is empty");
        }
        if (name.contains("/")) {
            Path p = Path.of(name).toAbsolutePath();
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
            throw new BerthException(ErrorKind.FAILED_PRECONDITION,
                    key + " = \"" + name + "\": no executable file at that path");
        }
        Set<String> dirs = new LinkedHashSet<>();
        if (pathEnv != null) {
            for (String d : pathEnv.split(":")) {
                if (!d.isEmpty()) {
                    dirs.add(d);
                }
            }
        }
        dirs.addAll(EXTRA_PATH);
        for (String d : dirs) {
            Path p = Path.of(d, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        throw new BerthException(ErrorKind.FAILED_PRECONDITION, key + " = \"" + name + "\": not found in "
                + String.join(":", new ArrayList<>(dirs)) + "; install it or set " + key + " to its absolute path");
    }

    /**
     * Checks that systemd runs when the configuration asks for the systemd cgroup driver; otherwise every container
     * would fail at create, far from the cause. The test is sd_booted(3)'s: {@code /run/systemd/system} is a directory.
     *
     * @throws BerthException FAILED_PRECONDITION naming {@code systemd_cgroup}
     */
    public static void requireSystemdIfConfigured(boolean systemdCgroup, Path runSystemd) {
        if (systemdCgroup && !Files.isDirectory(runSystemd)) {
            throw new BerthException(ErrorKind.FAILED_PRECONDITION, "systemd_cgroup = true, but this host does not run "
                    + "systemd (" + runSystemd + " is not a directory); set systemd_cgroup = false to use cgroupfs");
        }
    }

    /** Whether the host runs the unified cgroup hierarchy only (cgroup v2). */
    public static boolean cgroupV2(Path cgroupRoot) {
        return Files.exists(cgroupRoot.resolve("cgroup.controllers"));
    }

    /** Whether {@code procStatus} (the text of /proc/self/status) grants the effective capability {@code cap}. */
    static boolean hasEffectiveCapability(String procStatus, int cap) {
        for (String line : procStatus.split("\n")) {
            if (line.startsWith("CapEff:")) {
                long bits = Long.parseUnsignedLong(line.substring(7).strip(), 16);
                return (bits & (1L << cap)) != 0;
            }
        }
        return false;
    }

    /** Whether this process may lower oom_score_adj (CAP_SYS_RESOURCE). */
    public static boolean canLowerOomScoreAdj() {
        try {
            return hasEffectiveCapability(Files.readString(Path.of("/proc/self/status")), CAP_SYS_RESOURCE);
        } catch (IOException e) {
            return false;
        }
    }

    /** The daemon's own oom_score_adj, the lowest a container may get without CAP_SYS_RESOURCE. */
    public static int ownOomScoreAdj() {
        try {
            return Integer.parseInt(Files.readString(Path.of("/proc/self/oom_score_adj")).strip());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }
}
