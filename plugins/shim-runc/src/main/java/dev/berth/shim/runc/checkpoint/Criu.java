package dev.berth.shim.runc.checkpoint;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.process.ProcessRunner;
import dev.berth.shim.runc.HostFacts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Whether CRIU can checkpoint on this host, by {@code criu check}: it fails in well under a second where the kernel
 * lacks what CRIU needs (a missing feature, or a vDSO layout this CRIU does not know), which a dump would otherwise
 * only tell after freezing the container. A passing check is remembered; a failing one is asked again on the next
 * checkpoint (it costs some 40 ms), so a host fixed meanwhile needs no daemon restart.
 */
public final class Criu {
    private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(30);
    private static final int MAX_MESSAGE = 2000;

    private final String name;
    private final String pathEnv;
    private final ProcessRunner runner;
    private volatile String checkedPath;

    /**
     * @param name    the criu binary: a name looked up on {@code pathEnv} (and the sbin dirs), or an absolute path
     * @param pathEnv the daemon's PATH
     */
    public Criu(String name, String pathEnv, ProcessRunner runner) {
        this.name = name;
        this.pathEnv = pathEnv;
        this.runner = runner;
    }

    /**
     * The environment the OCI runtime's {@code checkpoint} needs to find this CRIU, once {@code criu check} passed:
     * PATH with CRIU's directory first (runc and crun's libcriu both run "criu" from PATH).
     *
     * @throws BerthException FAILED_PRECONDITION naming what is missing: CRIU itself, or what {@code criu check}
     *         reports, in CRIU's own words
     */
    public Map<String, String> require() {
        String path = checkedPath;
        if (path == null) {
            path = check();
            checkedPath = path;
        }
        String dir = path.substring(0, path.lastIndexOf('/'));
        return Map.of("PATH", pathEnv == null || pathEnv.isEmpty() ? dir : dir + ":" + pathEnv);
    }

    private String check() {
        String path;
        try {
            path = HostFacts.findExecutable(name, "criu", pathEnv).toString();
        } catch (BerthException e) {
            throw new BerthException(ErrorKind.FAILED_PRECONDITION, "cannot checkpoint: CRIU is not installed ("
                    + e.getMessage() + "); install the criu package");
        }
        ProcessRunner.Result r = runner.run(List.of(path, "check"), Map.of(), null, CHECK_TIMEOUT);
        if (!r.ok()) {
            throw new BerthException(ErrorKind.FAILED_PRECONDITION, "cannot checkpoint: CRIU cannot work on this host: `"
                    + path + " check` failed (exit " + r.exitCode() + "): " + errors(r.stderr() + "\n" + r.stdout()));
        }
        return path;
    }

    /** CRIU's error lines (all non-empty lines if it printed none marked as errors), joined and capped. */
    public static String errors(String output) {
        List<String> errors = new ArrayList<>();
        List<String> all = new ArrayList<>();
        for (String line : output.split("\n")) {
            String l = line.strip();
            if (l.isEmpty()) {
                continue;
            }
            all.add(l);
            if (l.startsWith("Error") || l.contains("Error (")) {
                errors.add(l);
            }
        }
        String s = String.join("; ", errors.isEmpty() ? all : errors);
        if (s.isEmpty()) {
            return "no output";
        }
        return s.length() > MAX_MESSAGE ? s.substring(0, MAX_MESSAGE) + "..." : s;
    }
}
