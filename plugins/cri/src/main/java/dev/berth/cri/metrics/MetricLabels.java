package dev.berth.cri.metrics;

import dev.berth.api.cri.v1.ContainerMetadata;
import dev.berth.api.cri.v1.PodSandboxMetadata;
import java.util.List;

/**
 * The labels every metric starts with: cAdvisor's {@code container}, {@code id}, {@code image}, {@code name},
 * {@code namespace} and {@code pod}, so queries written against cAdvisor's metrics select the same series. {@code id}
 * and {@code name} are the runtime's container id (cAdvisor shows a cgroup path and the runtime's container name;
 * Berth names its containers by id). Pod-level metrics (the network) have an empty {@code container} and
 * {@code image}, and the sandbox id as {@code id} and {@code name}, like cAdvisor's series of a pod's own cgroup.
 */
record MetricLabels(String container, String id, String image, String name, String namespace, String pod) {
    /** The label keys, in the order of {@link #values}. */
    static final List<String> KEYS = List.of("container", "id", "image", "name", "namespace", "pod");

    static MetricLabels ofContainer(PodSandboxMetadata pod, String containerId, ContainerMetadata container,
                                    String image) {
        return new MetricLabels(container.getName(), containerId, image, containerId, pod.getNamespace(),
                pod.getName());
    }

    static MetricLabels ofPod(String sandboxId, PodSandboxMetadata pod) {
        return new MetricLabels("", sandboxId, "", sandboxId, pod.getNamespace(), pod.getName());
    }

    List<String> values() {
        return List.of(container, id, image, name, namespace, pod);
    }
}
