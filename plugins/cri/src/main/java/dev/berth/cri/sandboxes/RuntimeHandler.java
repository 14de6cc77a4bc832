package dev.berth.cri.sandboxes;

/**
 * A CRI runtime handler ({@code RunPodSandboxRequest.runtime_handler}) as configured under
 * {@code [plugins."io.berth.grpc.v1.cri".runtimes."<name>"]}.
 *
 * @param name      the handler's name, e.g. {@code runc}
 * @param sandboxer id of the {@code io.berth.sandbox.controller.v1} plugin that runs its pod sandboxes
 * @param runtime   id of the {@code io.berth.runtime.v2} plugin that runs its containers
 * @param runtimePath the OCI runtime binary that plugin runs for this handler (e.g. "crun"), or "" for its default
 */
public record RuntimeHandler(String name, String sandboxer, String runtime, String runtimePath) {
    public RuntimeHandler(String name, String sandboxer, String runtime) {
        this(name, sandboxer, runtime, "");
    }
}
