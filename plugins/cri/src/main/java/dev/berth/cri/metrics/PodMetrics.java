package dev.berth.cri.metrics;

import dev.berth.api.cri.v1.Container;
import dev.berth.api.cri.v1.ContainerFilter;
import dev.berth.api.cri.v1.ContainerStats;
import dev.berth.api.cri.v1.ListMetricDescriptorsResponse;
import dev.berth.api.cri.v1.ListPodSandboxMetricsResponse;
import dev.berth.api.cri.v1.ListPodSandboxRequest;
import dev.berth.api.cri.v1.PodSandbox;
import dev.berth.api.cri.v1.PodSandboxFilter;
import dev.berth.api.cri.v1.PodSandboxMetrics;
import dev.berth.api.cri.v1.PodSandboxState;
import dev.berth.api.cri.v1.PodSandboxStateValue;
import dev.berth.api.cri.v1.NetworkInterfaceUsage;
import dev.berth.api.cri.v1.NetworkUsage;
import dev.berth.api.cri.v1.PodSandboxStats;
import dev.berth.api.cri.v1.PodSandboxStatus;
import dev.berth.api.cri.v1.PodSandboxStatusRequest;
import dev.berth.api.cri.v1.UInt64Value;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.cri.containers.Containers;
import dev.berth.cri.sandboxes.PodSandboxes;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * ListMetricDescriptors and ListPodSandboxMetrics, which the kubelet turns into its {@code /metrics/cadvisor} when it
 * takes pod and container stats from the runtime instead of cAdvisor. The numbers are those ContainerStats already
 * reads (cgroup, writable layer) plus the pod's network counters; ready pods only, like ListPodSandboxStats, so pods
 * and containers that are gone drop out at once.
 */
public final class PodMetrics {
    /** The interface CNI gives every pod. */
    private static final String DEFAULT_INTERFACE = "eth0";
    private final PodSandboxes sandboxes;
    private final Containers containers;
    private final NetDev netDev;
    private final Clock clock;

    public PodMetrics(PodSandboxes sandboxes, Containers containers) {
        this(sandboxes, containers, new NetDev(Path.of("/proc")), Clock.systemUTC());
    }

    PodMetrics(PodSandboxes sandboxes, Containers containers, NetDev netDev, Clock clock) {
        this.sandboxes = sandboxes;
        this.containers = containers;
        this.netDev = netDev;
        this.clock = clock;
    }

    /** Every metric {@link #list} can report, whether or not a pod reports it now. */
    public ListMetricDescriptorsResponse descriptors() {
        ListMetricDescriptorsResponse.Builder b = ListMetricDescriptorsResponse.newBuilder();
        for (CadvisorMetric m : CadvisorMetric.values()) {
            b.addDescriptors(m.descriptor());
        }
        return b.build();
    }

    /** The metrics of every ready pod and its running containers; a pod removed meanwhile is left out. */
    public ListPodSandboxMetricsResponse list() {
        PodSandboxFilter ready = PodSandboxFilter.newBuilder()
                .setState(PodSandboxStateValue.newBuilder().setState(PodSandboxState.SANDBOX_READY)).build();
        ListPodSandboxMetricsResponse.Builder b = ListPodSandboxMetricsResponse.newBuilder();
        for (PodSandbox p : sandboxes.list(ListPodSandboxRequest.newBuilder().setFilter(ready).build()).getItemsList()) {
            try {
                b.addPodMetrics(pod(p.getId()));
            } catch (BerthException e) {
                if (e.kind() != ErrorKind.NOT_FOUND) {
                    throw e;
                }
            }
        }
        return b.build();
    }

    private PodSandboxMetrics pod(String id) {
        PodSandboxStatus status = sandboxes.status(PodSandboxStatusRequest.newBuilder().setPodSandboxId(id).build())
                .getStatus();
        PodSandboxStats stats = containers.podStats(status);
        return PodMetricsConversion.toMetrics(stats, images(id), network(stats), nanos(clock.instant()));
    }

    /**
     * {@code stats} with the pod's network usage ({@code linux.network}): every interface but loopback, eth0 (the
     * CNI interface) as the default one. Unchanged for host-network pods and pods with no running container, whose
     * namespace no process of theirs can be read through.
     */
    public PodSandboxStats withNetwork(PodSandboxStats stats) {
        List<InterfaceCounters> network = network(stats);
        if (network.isEmpty()) {
            return stats;
        }
        NetworkUsage.Builder usage = NetworkUsage.newBuilder().setTimestamp(nanos(clock.instant()));
        for (InterfaceCounters i : network) {
            NetworkInterfaceUsage u = NetworkInterfaceUsage.newBuilder().setName(i.name())
                    .setRxBytes(u(i.rxBytes())).setRxErrors(u(i.rxErrors()))
                    .setTxBytes(u(i.txBytes())).setTxErrors(u(i.txErrors())).build();
            usage.addInterfaces(u);
            if (i.name().equals(DEFAULT_INTERFACE) || !usage.hasDefaultInterface()) {
                usage.setDefaultInterface(u);
            }
        }
        PodSandboxStats.Builder b = stats.toBuilder();
        b.getLinuxBuilder().setNetwork(usage);
        return b.build();
    }

    private static UInt64Value u(long v) {
        return UInt64Value.newBuilder().setValue(v).build();
    }

    /** The pod's interface counters; none for a host-network pod. */
    private List<InterfaceCounters> network(PodSandboxStats stats) {
        String netns = sandboxes.sandbox(stats.getAttributes().getId()).status().netnsPath();
        return netns.isEmpty() ? List.of() : network(Path.of(netns), stats);
    }

    /** Read through the first running container still in the pod's namespace; none when no container runs. */
    private List<InterfaceCounters> network(Path netns, PodSandboxStats stats) {
        for (ContainerStats c : stats.getLinux().getContainersList()) {
            long pid = pid(c.getAttributes().getId());
            Optional<List<InterfaceCounters>> counters = pid > 0 ? netDev.read(pid, netns) : Optional.empty();
            if (counters.isPresent()) {
                return counters.get();
            }
        }
        return List.of();
    }

    private long pid(String containerId) {
        try {
            return containers.pid(containerId);
        } catch (BerthException e) {
            if (e.kind() != ErrorKind.NOT_FOUND) {
                throw e;
            }
            return 0;
        }
    }

    /** The image each of the pod's containers was created from, as the kubelet named it. */
    private Map<String, String> images(String sandboxId) {
        Map<String, String> out = new HashMap<>();
        for (Container c : containers.list(ContainerFilter.newBuilder().setPodSandboxId(sandboxId).build())
                .getContainersList()) {
            String spec = c.getImage().getUserSpecifiedImage();
            out.put(c.getId(), spec.isEmpty() ? c.getImage().getImage() : spec);
        }
        return out;
    }

    private static long nanos(Instant t) {
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }
}
