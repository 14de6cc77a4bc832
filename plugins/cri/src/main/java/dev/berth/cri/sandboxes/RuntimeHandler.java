package dev.berth.cri.sandboxes;

/**
 * A CRI runtime handler ({@code RunPodSandboxRequest.runtime_handler}) as configured under
 * {@code [plugins."io.berth.grpc.v1.cri".runtimes."<name>"]}.
 *
 * @param name      the handler's name, e.g. {@code runc}
 * @param sandboxer id of the {@code io.berth.sandbox.controller.v1} plugin that runs its pod sandboxes
 * @param runtime   id of the {@code io.berth.runtime.v2} plugin that runs its containers
 */
public record RuntimeHandler(String name, String sandboxer, String runtime) {
}
