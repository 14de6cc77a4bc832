package dev.berth.cri.containers;

import dev.berth.api.cri.v1.AttachRequest;
import dev.berth.api.cri.v1.ContainerConfig;
import dev.berth.api.cri.v1.ExecRequest;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.runtime.StreamRequest;
import java.util.List;

/** The CRI's rules for Exec and Attach requests, checked before a streaming URL is handed out. */
final class StreamRequests {
    private StreamRequests() {
    }

    static StreamRequest exec(ExecRequest q) {
        if (q.getCmdCount() == 0) {
            throw BerthException.invalidArgument("cmd is required");
        }
        checkStreams(q.getStdin(), q.getStdout(), q.getStderr(), q.getTty());
        return new StreamRequest(q.getCmdList(), q.getStdin(), q.getStdout(), q.getStderr(), q.getTty());
    }

    /** {@code created}: how the container was created; tty must match it, and stdin needs it. */
    static StreamRequest attach(AttachRequest q, ContainerConfig created) {
        checkStreams(q.getStdin(), q.getStdout(), q.getStderr(), q.getTty());
        if (q.getTty() != created.getTty()) {
            throw BerthException.invalidArgument("tty must match the container's own tty setting (%s)", created.getTty());
        }
        if (q.getStdin() && !created.getStdin()) {
            throw BerthException.failedPrecondition("stdin: container %s was created without stdin", q.getContainerId());
        }
        return new StreamRequest(List.of(), q.getStdin(), q.getStdout(), q.getStderr(), q.getTty());
    }

    private static void checkStreams(boolean stdin, boolean stdout, boolean stderr, boolean tty) {
        if (!stdin && !stdout && !stderr) {
            throw BerthException.invalidArgument("one of stdin, stdout and stderr must be true");
        }
        if (tty && stderr) {
            throw BerthException.invalidArgument("stderr must be false when tty is true: a terminal merges it into stdout");
        }
    }
}
