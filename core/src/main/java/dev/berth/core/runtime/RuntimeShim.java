package dev.berth.core.runtime;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * Runs containers: one process tree per container, its stdio held by a monitor that outlives the daemon. The instance
 * of a {@link dev.berth.core.plugin.PluginTypes#RUNTIME} plugin.
 *
 * <p>Failures are {@link dev.berth.core.errdefs.BerthException}s. Calls for the same container are serialised; a
 * failed {@link #create} leaves nothing behind (no bundle, mount, monitor or cgroup). After a daemon restart the shim
 * finds its containers again: running ones keep running, and those that exited meanwhile report their real exit code.
 */
public interface RuntimeShim {
    /**
     * Creates the container: mounts its root filesystem, writes the runtime's configuration, starts the monitor and
     * the runtime's create step. The process exists but has not run the user's command yet.
     *
     * @throws dev.berth.core.errdefs.BerthException INVALID_ARGUMENT for a bad spec (naming the field: unknown user,
     *         missing mount source, ...); ALREADY_EXISTS when the id is taken; another kind carrying the runtime's
     *         own message when it refuses the container
     */
    ContainerStatus create(ContainerSpec spec);

    /**
     * Runs the user's command of a created container.
     *
     * @throws dev.berth.core.errdefs.BerthException NOT_FOUND; FAILED_PRECONDITION unless created; another kind
     *         carrying the runtime's message when the command cannot start (e.g. not found in the image)
     */
    ContainerStatus start(String id);

    /**
     * Sends {@code signal} (a name such as "SIGTERM", or a number; "" means SIGTERM), waits up to {@code timeout}
     * for the container to exit, then kills it with SIGKILL and waits for that. Stopping an exited container
     * succeeds and changes nothing.
     *
     * @throws dev.berth.core.errdefs.BerthException NOT_FOUND; INVALID_ARGUMENT for an unknown signal
     */
    ContainerStatus stop(String id, String signal, Duration timeout);

    /** Kills the container if it runs and removes every trace of it (not its log file); succeeds when it is absent. */
    void delete(String id);

    /**
     * The container's state now.
     *
     * @throws dev.berth.core.errdefs.BerthException NOT_FOUND
     */
    ContainerStatus status(String id);

    /**
     * Every container the shim knows, oldest first. ListContainers (the kubelet's relist, every second) is answered
     * from one call per shim, so it must be cheap, answered from the shim's memory rather than from a read per
     * container. It may lag the container itself by the moments it takes the shim to notice an exit, but never the
     * shim's own answers: an exit already delivered as a {@link RuntimeEvent.Type#STOPPED} event or returned by
     * {@link #status} or {@link #stop} is in every later list.
     */
    List<ContainerStatus> list();

    /**
     * Runs a command in the running container and waits for it, at most {@code timeout} (zero: no limit); each
     * output stream keeps at most {@code maxOutputBytes}.
     *
     * @throws dev.berth.core.errdefs.BerthException NOT_FOUND; FAILED_PRECONDITION unless running;
     *         DEADLINE_EXCEEDED when the command outlives the timeout (it is killed)
     */
    ExecResult execSync(String id, List<String> command, Duration timeout, int maxOutputBytes);

    /**
     * Starts {@code request.command()} in the running container with its stdio connected to the returned session.
     *
     * @throws dev.berth.core.errdefs.BerthException NOT_FOUND; FAILED_PRECONDITION unless running; UNIMPLEMENTED
     *         where the shim cannot stream
     */
    default StreamSession exec(String id, StreamRequest request) {
        throw dev.berth.core.errdefs.BerthException.unimplemented("this runtime cannot stream exec sessions");
    }

    /**
     * Connects to the stdio of the container's own process ({@code request.command()} is empty). Output written
     * before the attach is not replayed (it is in the log).
     *
     * @throws dev.berth.core.errdefs.BerthException NOT_FOUND; FAILED_PRECONDITION unless running, or when stdin is
     *         asked of a container created without it; UNIMPLEMENTED where the shim cannot attach
     */
    default StreamSession attach(String id, StreamRequest request) {
        throw dev.berth.core.errdefs.BerthException.unimplemented("this runtime cannot attach to containers");
    }

    /**
     * Writes a checkpoint of the running container to {@code request.archive()} and leaves it running (forensic
     * checkpointing). On failure nothing is left at the archive path and the container runs on as before.
     *
     * @throws dev.berth.core.errdefs.BerthException NOT_FOUND; FAILED_PRECONDITION unless running, or when the host
     *         cannot checkpoint (the message names what is missing, with the checkpointing tool's own words);
     *         DEADLINE_EXCEEDED after {@code request.timeout()}; UNIMPLEMENTED where the shim cannot checkpoint
     */
    default void checkpoint(String id, CheckpointRequest request) {
        throw dev.berth.core.errdefs.BerthException.unimplemented("this runtime cannot checkpoint containers");
    }

    /**
     * Changes the resources of a created or running container in place.
     *
     * @throws dev.berth.core.errdefs.BerthException NOT_FOUND; FAILED_PRECONDITION when it has exited
     */
    void update(String id, Resources resources);

    /**
     * Makes the monitor close and reopen the container's log file (after the kubelet rotated it).
     *
     * @throws dev.berth.core.errdefs.BerthException NOT_FOUND; FAILED_PRECONDITION unless running
     */
    void reopenLog(String id);

    /**
     * Resource usage of the container now.
     *
     * @throws dev.berth.core.errdefs.BerthException NOT_FOUND
     */
    ContainerStats stats(String id);

    /**
     * Calls {@code listener} for every lifecycle event from now on, on a shim thread; the listener must not block.
     *
     * @return closing it stops the calls
     */
    AutoCloseable subscribe(Consumer<RuntimeEvent> listener);

    /**
     * The cgroup driver this shim's containers are placed with, as configured and checked against the host at start.
     * Shims that do not manage cgroups through systemd keep the default.
     */
    default CgroupDriver cgroupDriver() {
        return CgroupDriver.CGROUPFS;
    }

    /**
     * What the OCI runtime binary {@code runtimePath} supports (as {@link ContainerSpec#runtimePath()}: "" means the
     * shim's own default). Cheap after the first call for a binary; a binary that cannot be found or asked supports
     * nothing extra. Shims that cannot tell keep the default, {@link RuntimeFeatures#NONE}.
     */
    default RuntimeFeatures features(String runtimePath) {
        return RuntimeFeatures.NONE;
    }

    /**
     * Whether this shim honours {@link SecurityOptions#groupsPolicy()} (only {@link SecurityOptions.GroupsPolicy#MERGE}
     * adds the image's {@code /etc/group} memberships) and reports each container's {@link ContainerStatus#user()}.
     * The kubelet asks for the Strict policy only where the runtime says both hold, so a shim that cannot keep that
     * promise keeps the default, false.
     */
    default boolean supplementalGroupsPolicy() {
        return false;
    }
}
