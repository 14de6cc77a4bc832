package dev.berth.core.sandbox;

import dev.berth.core.runtime.ImageProcess;

/**
 * The infra container of a sandbox whose runtime handler asks for one ({@code pod_infra = "image"}): a process from
 * the configured sandbox image, run by a runtime shim in the pod's namespaces for the pod's whole life, in the manner
 * of containerd's and CRI-O's pause container. The CRI layer makes sure the image is pulled and unpacked and fills this
 * in; the controller makes its root filesystem from {@code parent} in {@code snapshotter} and has {@code runtime} run
 * it. A {@link SandboxConfig} without one gets no process of the image's.
 *
 * @param image       the image's name (e.g. {@code registry.k8s.io/pause:3.10}), for status and messages
 * @param imageId     its config digest
 * @param snapshotter id of the {@link dev.berth.core.plugin.PluginTypes#SNAPSHOTTER} plugin holding its layers
 * @param parent      the committed snapshot of its top layer (its chain id) the root filesystem is made from
 * @param process     entrypoint, cmd, env, user, working directory and stop signal from the image's config
 * @param runtime     id of the {@link dev.berth.core.plugin.PluginTypes#RUNTIME} plugin that runs it: the runtime
 *                    handler's, like the pod's containers
 * @param runtimePath the OCI runtime binary the handler names, or "" for that plugin's default
 */
public record InfraContainer(String image, String imageId, String snapshotter, String parent, ImageProcess process,
                             String runtime, String runtimePath) {
    public InfraContainer {
        image = image == null ? "" : image;
        imageId = imageId == null ? "" : imageId;
        snapshotter = snapshotter == null ? "" : snapshotter;
        parent = parent == null ? "" : parent;
        process = process == null ? ImageProcess.none() : process;
        runtime = runtime == null ? "" : runtime;
        runtimePath = runtimePath == null ? "" : runtimePath;
    }
}
