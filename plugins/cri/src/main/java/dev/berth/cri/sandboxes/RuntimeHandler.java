package dev.berth.cri.sandboxes;

import dev.berth.core.errdefs.BerthException;

/**
 * A CRI runtime handler ({@code RunPodSandboxRequest.runtime_handler}) as configured under
 * {@code [plugins."io.berth.grpc.v1.cri".runtimes."<name>"]}.
 *
 * @param name        the handler's name, e.g. {@code runc}
 * @param sandboxer   id of the {@code io.berth.sandbox.controller.v1} plugin that runs its pod sandboxes
 * @param runtime     id of the {@code io.berth.runtime.v2} plugin that runs its containers
 * @param runtimePath the OCI runtime binary that plugin runs for this handler (e.g. "crun"), or "" for its default
 * @param podInfra    whether its pods get an infra container from {@code sandbox_image}
 */
public record RuntimeHandler(String name, String sandboxer, String runtime, String runtimePath, PodInfra podInfra) {
    /** How a handler's pods hold their namespaces: the {@code pod_infra} key. */
    public enum PodInfra {
        /** Namespaces pinned by bind mounts; a process only for pods sharing a pid namespace (the default). */
        PAUSELESS("pauseless"),
        /** Every pod gets an infra container running {@code sandbox_image}, pulled on first use. */
        IMAGE("image");

        private final String value;

        PodInfra(String value) {
            this.value = value;
        }

        /** The config value. */
        public String value() {
            return value;
        }

        /** @throws BerthException INVALID_ARGUMENT naming {@code key} and the values allowed */
        static PodInfra parse(String value, String key) {
            for (PodInfra m : values()) {
                if (m.value.equals(value)) {
                    return m;
                }
            }
            throw BerthException.invalidArgument("%s = \"%s\": want \"%s\" (namespaces held without a process) or \"%s\""
                    + " (an infra container from sandbox_image)", key, value, PAUSELESS.value, IMAGE.value);
        }
    }

    public RuntimeHandler {
        runtimePath = runtimePath == null ? "" : runtimePath;
        podInfra = podInfra == null ? PodInfra.PAUSELESS : podInfra;
    }

    public RuntimeHandler(String name, String sandboxer, String runtime, String runtimePath) {
        this(name, sandboxer, runtime, runtimePath, PodInfra.PAUSELESS);
    }

    public RuntimeHandler(String name, String sandboxer, String runtime) {
        this(name, sandboxer, runtime, "");
    }
}
