package dev.berth.shim.runc.spec;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.runtime.PodContext;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Decides which namespaces a container gets: the pod's where the sandbox holds one, the host's where the pod asks
 * for it (by leaving the namespace out), a new one otherwise.
 */
final class Namespaces {
    private final boolean cgroupV2;

    Namespaces(boolean cgroupV2) {
        this.cgroupV2 = cgroupV2;
    }

    List<Oci.Namespace> forContainer(PodContext pod, Function<String, Long> pidOfContainer) {
        List<Oci.Namespace> namespaces = new ArrayList<>();
        if (pod.ownUserNamespace()) {
            // runc joins it before the others, which belong to it
            namespaces.add(new Oci.Namespace("user", pod.usernsPath()));
        }
        pid(pod, pidOfContainer, namespaces);
        if (!pod.hostNetwork()) {
            namespaces.add(joinOrNew("network", pod.netnsPath()));
            namespaces.add(joinOrNew("uts", pod.utsnsPath()));
        }
        if (!pod.hostIpc()) {
            namespaces.add(joinOrNew("ipc", pod.ipcnsPath()));
        }
        namespaces.add(new Oci.Namespace("mount", null));
        if (cgroupV2) {
            // on v1 Docker and containerd keep the host's, and tools in images expect that
            namespaces.add(new Oci.Namespace("cgroup", null));
        }
        return namespaces;
    }

    private static void pid(PodContext pod, Function<String, Long> pidOfContainer, List<Oci.Namespace> out) {
        switch (pod.pidMode()) {
            case NODE -> {
            }
            case CONTAINER -> out.add(new Oci.Namespace("pid", null));
            case POD -> {
                if (pod.pidnsPath().isEmpty()) {
                    throw BerthException.invalidArgument(
                            "linux.security_context.namespace_options.pid = POD (one pid namespace for the pod) needs an infra "
                            + "process, which this sandbox does not have; use CONTAINER (the kubelet's default)");
                }
                out.add(new Oci.Namespace("pid", pod.pidnsPath()));
            }
            case TARGET -> {
                if (pod.pidTargetId().isEmpty()) {
                    throw BerthException.invalidArgument("pid namespace mode TARGET needs a target container id");
                }
                Long pid = pidOfContainer == null ? null : pidOfContainer.apply(pod.pidTargetId());
                if (pid == null || pid <= 0) {
                    throw BerthException.notFound(
                            "pid namespace target container %s is not running", pod.pidTargetId());
                }
                out.add(new Oci.Namespace("pid", "/proc/" + pid + "/ns/pid"));
            }
        }
    }

    private static Oci.Namespace joinOrNew(String type, String path) {
        return new Oci.Namespace(type, path.isEmpty() ? null : path);
    }
}
