package dev.berth.cri.metrics;

import static dev.berth.cri.metrics.CadvisorMetric.*;

import dev.berth.api.cri.v1.ContainerMetrics;
import dev.berth.api.cri.v1.ContainerStats;
import dev.berth.api.cri.v1.CpuUsage;
import dev.berth.api.cri.v1.FilesystemUsage;
import dev.berth.api.cri.v1.MemoryUsage;
import dev.berth.api.cri.v1.Metric;
import dev.berth.api.cri.v1.PodSandboxMetadata;
import dev.berth.api.cri.v1.PodSandboxMetrics;
import dev.berth.api.cri.v1.PodSandboxStats;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A pod's stats (its running containers' cgroup and writable-layer numbers) and its network counters → the CRI's
 * {@code PodSandboxMetrics}. A value the stats leave unset is not reported, rather than reported as 0.
 */
final class PodMetricsConversion {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    /** cAdvisor's {@code cpu} label when usage is not broken down per CPU. */
    private static final String ALL_CPUS = "total";
    /**
     * A container's cgroup is a leaf, so its own page faults and those of its hierarchy are the same number; both
     * scopes are reported, as cAdvisor does.
     */
    private static final List<String> SCOPES = List.of("container", "hierarchy");

    private PodMetricsConversion() {
    }

    /**
     * @param images     image name by container id; a container missing here gets an empty {@code image} label
     * @param network    the pod's interfaces; empty when it has no network namespace of its own or none was readable
     * @param networkAt  when the network counters were read, in nanoseconds since the epoch
     */
    static PodSandboxMetrics toMetrics(PodSandboxStats stats, Map<String, String> images, List<InterfaceCounters> network,
                                       long networkAt) {
        String sandboxId = stats.getAttributes().getId();
        PodSandboxMetadata pod = stats.getAttributes().getMetadata();
        PodSandboxMetrics.Builder b = PodSandboxMetrics.newBuilder().setPodSandboxId(sandboxId)
                .addAllMetrics(network(MetricLabels.ofPod(sandboxId, pod), network, networkAt));
        for (ContainerStats c : stats.getLinux().getContainersList()) {
            String id = c.getAttributes().getId();
            b.addContainerMetrics(ContainerMetrics.newBuilder().setContainerId(id).addAllMetrics(container(
                    MetricLabels.ofContainer(pod, id, c.getAttributes().getMetadata(), images.getOrDefault(id, "")), c)));
        }
        return b.build();
    }

    static List<Metric> container(MetricLabels l, ContainerStats s) {
        List<Metric> out = new ArrayList<>();
        CpuUsage cpu = s.getCpu();
        if (cpu.hasUsageCoreNanoSeconds()) {
            out.add(CPU_USAGE.sample(l, cpu.getTimestamp(), cpu.getUsageCoreNanoSeconds().getValue() / NANOS_PER_SECOND,
                    ALL_CPUS));
        }
        MemoryUsage mem = s.getMemory();
        long at = mem.getTimestamp();
        if (mem.hasUsageBytes()) {
            out.add(MEMORY_USAGE.sample(l, at, mem.getUsageBytes().getValue()));
        }
        if (mem.hasWorkingSetBytes()) {
            out.add(MEMORY_WORKING_SET.sample(l, at, mem.getWorkingSetBytes().getValue()));
        }
        if (mem.hasRssBytes()) {
            out.add(MEMORY_RSS.sample(l, at, mem.getRssBytes().getValue()));
        }
        for (String scope : SCOPES) {
            if (mem.hasPageFaults()) {
                out.add(MEMORY_FAILURES.sample(l, at, mem.getPageFaults().getValue(), "pgfault", scope));
            }
            if (mem.hasMajorPageFaults()) {
                out.add(MEMORY_FAILURES.sample(l, at, mem.getMajorPageFaults().getValue(), "pgmajfault", scope));
            }
        }
        FilesystemUsage layer = s.getWritableLayer();
        if (s.hasWritableLayer() && layer.hasUsedBytes()) {
            out.add(FS_USAGE.sample(l, layer.getTimestamp(), layer.getUsedBytes().getValue(),
                    layer.getFsId().getMountpoint()));
        }
        return out;
    }

    static List<Metric> network(MetricLabels l, List<InterfaceCounters> interfaces, long at) {
        List<Metric> out = new ArrayList<>();
        for (InterfaceCounters i : interfaces) {
            String name = i.name();
            out.add(NETWORK_RECEIVE_BYTES.sample(l, at, i.rxBytes(), name));
            out.add(NETWORK_RECEIVE_PACKETS.sample(l, at, i.rxPackets(), name));
            out.add(NETWORK_RECEIVE_PACKETS_DROPPED.sample(l, at, i.rxDropped(), name));
            out.add(NETWORK_RECEIVE_ERRORS.sample(l, at, i.rxErrors(), name));
            out.add(NETWORK_TRANSMIT_BYTES.sample(l, at, i.txBytes(), name));
            out.add(NETWORK_TRANSMIT_PACKETS.sample(l, at, i.txPackets(), name));
            out.add(NETWORK_TRANSMIT_PACKETS_DROPPED.sample(l, at, i.txDropped(), name));
            out.add(NETWORK_TRANSMIT_ERRORS.sample(l, at, i.txErrors(), name));
        }
        return out;
    }
}
