package dev.berth.core.sandbox;

import java.time.Duration;
import java.util.List;

/**
 * Runs pod sandboxes: the namespaces, network and files a pod's containers join. The instance of a
 * {@link dev.berth.core.plugin.PluginTypes#SANDBOX_CONTROLLER} plugin. The CRI layer picks one per runtime handler.
 *
 * <p>Failures are {@link dev.berth.core.errdefs.BerthException}s. Every method is safe to call concurrently;
 * calls for the same sandbox are serialised. A failed {@link #create} or {@link #start} leaves nothing half-made.
 * Stopping a stopped sandbox and shutting down an absent one succeed, as the CRI requires.
 */
public interface SandboxController {
    /**
     * Records a new sandbox; nothing runs yet.
     *
     * @throws dev.berth.core.errdefs.BerthException INVALID_ARGUMENT naming a missing field; ALREADY_EXISTS when the
     *         id, or the same name, namespace, uid and attempt, belong to a sandbox already (naming its id);
     *         FAILED_PRECONDITION when the config's {@link SandboxConfig#infra()} needs a plugin that is not running,
     *         or the controller cannot run infra containers
     */
    SandboxInfo create(SandboxConfig config);

    /**
     * Makes the sandbox ready: namespaces, network, files. Starting a ready sandbox returns it unchanged.
     *
     * @throws dev.berth.core.errdefs.BerthException NOT_FOUND; FAILED_PRECONDITION when it was stopped or no network
     *         is configured; another kind with the network plugin's message when networking fails
     */
    SandboxInfo start(String id);

    /**
     * Stops the sandbox and releases its network and namespaces; its record and files stay until {@link #shutdown}.
     * Stopping a stopped sandbox succeeds. If releasing the network fails, the error is thrown and the next call
     * retries it.
     *
     * @param timeout how long the sandbox's own process (an {@link InfraContainer}) gets after its stop signal before
     *                it is killed; controllers whose process holds no state may kill it at once
     *
     * @throws dev.berth.core.errdefs.BerthException NOT_FOUND
     */
    void stop(String id, Duration timeout);

    /**
     * Blocks until the sandbox stops.
     *
     * @throws dev.berth.core.errdefs.BerthException UNIMPLEMENTED where the controller cannot wait
     */
    ExitStatus wait(String id);

    /**
     * The sandbox's state.
     *
     * @param verbose add controller details to {@link SandboxStatus#info()}
     * @throws dev.berth.core.errdefs.BerthException NOT_FOUND
     */
    SandboxStatus status(String id, boolean verbose);

    /** Stops the sandbox if needed and removes all trace of it; succeeds when it does not exist. */
    void shutdown(String id);

    /** Every sandbox the controller knows, oldest first. */
    List<SandboxStatus> list();

    /** Whether new pods can be networked now; not ready (with the reason) while no network configuration exists. */
    default NetworkReadiness networkReady() {
        return NetworkReadiness.ok();
    }

    /**
     * The node's pod CIDRs changed (the kubelet's {@code UpdateRuntimeConfig}): the controller networks new pods
     * from them where its network configuration asks for them, and keeps them across restarts. The CIDRs are valid
     * (IPv4 or IPv6, with a prefix length) and not empty. Controllers that allocate no addresses ignore them.
     *
     * @throws dev.berth.core.errdefs.BerthException when the controller cannot apply them (e.g. its configuration
     *         template is broken), naming what to fix
     */
    default void updatePodCidrs(List<String> cidrs) {
    }

    /**
     * Opens a TCP connection to {@code port} on the sandbox's own loopback (inside its network namespace), for
     * port forwarding. The returned channel is connected and blocking; the caller closes it.
     *
     * @throws dev.berth.core.errdefs.BerthException NOT_FOUND; FAILED_PRECONDITION when the sandbox has no network
     *         now (not ready); UNAVAILABLE when nothing listens on the port; UNIMPLEMENTED where the controller
     *         cannot forward ports
     */
    default java.nio.channels.SocketChannel dial(String id, int port) {
        throw dev.berth.core.errdefs.BerthException.unimplemented("this sandbox controller cannot forward ports");
    }
}
