package dev.berth.core.runtime;

import java.time.Instant;

/**
 * A container as its shim sees it now.
 *
 * @param pid        the container's first process on the host, or 0 when it is not running
 * @param startedAt  when the command started, or null
 * @param finishedAt when it exited, or null
 * @param exitCode   the exit code once exited (128 + signal number when killed by a signal)
 * @param reason     why it exited: {@link #REASON_COMPLETED}, {@link #REASON_ERROR}, {@link #REASON_OOM_KILLED}; "" else
 * @param message    more about the exit (e.g. the runtime's error), or ""
 * @param user       the identity its first process was started with, or null when the shim cannot tell
 */
public record ContainerStatus(String id, ContainerState state, long pid, Instant createdAt, Instant startedAt,
                              Instant finishedAt, int exitCode, String reason, String message, ContainerUser user) {
    public static final String REASON_COMPLETED = "Completed";
    public static final String REASON_ERROR = "Error";
    public static final String REASON_OOM_KILLED = "OOMKilled";

    public ContainerStatus {
        reason = reason == null ? "" : reason;
        message = message == null ? "" : message;
    }
}
