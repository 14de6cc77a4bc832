package dev.berth.shim.runc;

import dev.berth.core.runtime.ContainerUser;
import java.time.Instant;

/**
 * What the shim must remember about a container across daemon restarts; everything else (running or not, exit code)
 * is read from conmon's files. Immutable: changes make a new record that {@link RecordStore} writes whole.
 *
 * @param pid          the container's init process on the host, from conmon's sync message
 * @param conmonPid    the monitor's pid (checked together with its command line, pids are reused)
 * @param hostPidNs    the container shares the host pid namespace: stop must signal every process (kill --all)
 * @param lostAt       when the shim found the monitor gone without an exit file; null otherwise
 * @param message      why the container failed beyond its exit code (runtime error, lost monitor), or null
 * @param exitReported a STOPPED event was delivered for this container's exit, so a restart does not repeat it
 * @param runtimePath  the OCI runtime binary that runs it (its runtime handler's, or the shim's default); null in
 *                     records older than per-handler runtimes, meaning the default
 * @param user         the identity config.json gives the container's process; null in records older than that
 */
public record ContainerRecord(String id, String name, Instant createdAt, Instant startedAt, String logPath,
                             boolean stdin, boolean stdinOnce, boolean tty, String bundleDir, boolean hostPidNs,
                             long pid, long conmonPid, Instant lostAt, String message, boolean exitReported,
                             String runtimePath, ContainerUser user) {
    public ContainerRecord withStarted(Instant at) {
        return new ContainerRecord(id, name, createdAt, at, logPath, stdin, stdinOnce, tty, bundleDir, hostPidNs,
                pid, conmonPid, lostAt, message, exitReported, runtimePath, user);
    }

    public ContainerRecord withLost(Instant at, String why) {
        return new ContainerRecord(id, name, createdAt, startedAt, logPath, stdin, stdinOnce, tty, bundleDir,
                hostPidNs, pid, conmonPid, at, why, exitReported, runtimePath, user);
    }

    public ContainerRecord withMessage(String why) {
        return new ContainerRecord(id, name, createdAt, startedAt, logPath, stdin, stdinOnce, tty, bundleDir,
                hostPidNs, pid, conmonPid, lostAt, why, exitReported, runtimePath, user);
    }

    public ContainerRecord withExitReported() {
        return new ContainerRecord(id, name, createdAt, startedAt, logPath, stdin, stdinOnce, tty, bundleDir,
                hostPidNs, pid, conmonPid, lostAt, message, true, runtimePath, user);
    }
}
