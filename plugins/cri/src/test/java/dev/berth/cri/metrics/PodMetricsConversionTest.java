package dev.berth.cri.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.api.cri.v1.ContainerAttributes;
import dev.berth.api.cri.v1.ContainerMetadata;
import dev.berth.api.cri.v1.ContainerMetrics;
import dev.berth.api.cri.v1.ContainerStats;
import dev.berth.api.cri.v1.CpuUsage;
import dev.berth.api.cri.v1.FilesystemIdentifier;
import dev.berth.api.cri.v1.FilesystemUsage;
import dev.berth.api.cri.v1.LinuxPodSandboxStats;
import dev.berth.api.cri.v1.MemoryUsage;
import dev.berth.api.cri.v1.Metric;
import dev.berth.api.cri.v1.MetricDescriptor;
import dev.berth.api.cri.v1.MetricType;
import dev.berth.api.cri.v1.PodSandboxAttributes;
import dev.berth.api.cri.v1.PodSandboxMetadata;
import dev.berth.api.cri.v1.PodSandboxMetrics;
import dev.berth.api.cri.v1.PodSandboxStats;
import dev.berth.api.cri.v1.UInt64Value;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class PodMetricsConversionTest {
    private static final PodSandboxMetadata POD = PodSandboxMetadata.newBuilder().setName("web").setNamespace("shop")
            .setUid("u1").build();
    private static final Map<String, MetricDescriptor> DESCRIPTORS = Arrays.stream(CadvisorMetric.values())
            .map(CadvisorMetric::descriptor).collect(Collectors.toMap(MetricDescriptor::getName, Function.identity()));

    @Test
    void containerStatsBecomeCadvisorMetricsWithItsLabels() {
        List<Metric> m = PodMetricsConversion.container(
                MetricLabels.ofContainer(POD, "c1", ContainerMetadata.newBuilder().setName("app").build(), "busybox:1"),
                fullStats("c1"));

        assertThat(value(m, "container_cpu_usage_seconds_total")).isEqualTo(2); // 2.9 s: whole seconds only
        assertThat(value(m, "container_memory_usage_bytes")).isEqualTo(3000);
        assertThat(value(m, "container_memory_working_set_bytes")).isEqualTo(2000);
        assertThat(value(m, "container_memory_rss")).isEqualTo(1000);
        assertThat(value(m, "container_fs_usage_bytes")).isEqualTo(4096);
        Metric cpu = metric(m, "container_cpu_usage_seconds_total");
        assertThat(cpu.getLabelValuesList()).containsExactly("app", "c1", "busybox:1", "c1", "shop", "web", "total");
        assertThat(cpu.getMetricType()).isEqualTo(MetricType.COUNTER);
        assertThat(cpu.getTimestamp()).isEqualTo(11);
        assertThat(metric(m, "container_memory_working_set_bytes").getMetricType()).isEqualTo(MetricType.GAUGE);
        assertThat(metric(m, "container_memory_working_set_bytes").getTimestamp()).isEqualTo(12);
        assertThat(metric(m, "container_fs_usage_bytes").getLabelValuesList()).endsWith("/layers/c1");
        assertThat(m).filteredOn(x -> x.getName().equals("container_memory_failures_total"))
                .extracting(x -> x.getLabelValues(6) + "/" + x.getLabelValues(7) + "=" + x.getValue().getValue())
                .containsExactlyInAnyOrder("pgfault/container=50", "pgmajfault/container=5", "pgfault/hierarchy=50",
                        "pgmajfault/hierarchy=5");
        assertDescribed(m);
    }

    @Test
    void valuesTheStatsLeaveUnsetAreNotReported() {
        ContainerStats onlyCpu = ContainerStats.newBuilder()
                .setAttributes(ContainerAttributes.newBuilder().setId("c1"))
                .setCpu(CpuUsage.newBuilder().setTimestamp(1).setUsageCoreNanoSeconds(u(5)))
                .setMemory(MemoryUsage.newBuilder().setTimestamp(1)).build();
        List<Metric> m = PodMetricsConversion.container(MetricLabels.ofPod("p", POD), onlyCpu);
        assertThat(m).extracting(Metric::getName).containsExactly("container_cpu_usage_seconds_total");
        assertThat(m.get(0).getValue().getValue()).isZero();
    }

    @Test
    void aPodCarriesItsNetworkAndEachRunningContainersMetrics() {
        PodSandboxStats stats = PodSandboxStats.newBuilder()
                .setAttributes(PodSandboxAttributes.newBuilder().setId("p1").setMetadata(POD))
                .setLinux(LinuxPodSandboxStats.newBuilder().addContainers(fullStats("c1")).addContainers(fullStats("c2")))
                .build();
        List<InterfaceCounters> eth0 = List.of(new InterfaceCounters("eth0", 1, 2, 3, 4, 5, 6, 7, 8));

        PodSandboxMetrics p = PodMetricsConversion.toMetrics(stats, Map.of("c1", "busybox:1"), eth0, 99);

        assertThat(p.getPodSandboxId()).isEqualTo("p1");
        assertThat(p.getContainerMetricsList()).extracting(ContainerMetrics::getContainerId).containsExactly("c1", "c2");
        assertThat(metric(p.getContainerMetrics(1).getMetricsList(), "container_memory_rss").getLabelValuesList())
                .as("an image not known gives an empty label").containsExactly("app", "c2", "", "c2", "shop", "web");
        assertThat(p.getMetricsList()).hasSize(8).allSatisfy(x -> {
            assertThat(x.getLabelValuesList()).containsExactly("", "p1", "", "p1", "shop", "web", "eth0");
            assertThat(x.getTimestamp()).isEqualTo(99);
            assertThat(x.getMetricType()).isEqualTo(MetricType.COUNTER);
        });
        assertThat(p.getMetricsList()).extracting(x -> x.getName() + "=" + x.getValue().getValue()).containsExactly(
                "container_network_receive_bytes_total=1", "container_network_receive_packets_total=2",
                "container_network_receive_packets_dropped_total=4", "container_network_receive_errors_total=3",
                "container_network_transmit_bytes_total=5", "container_network_transmit_packets_total=6",
                "container_network_transmit_packets_dropped_total=8", "container_network_transmit_errors_total=7");

        List<Metric> all = Stream.concat(p.getMetricsList().stream(),
                p.getContainerMetricsList().stream().flatMap(c -> c.getMetricsList().stream())).toList();
        assertDescribed(all);
        assertThat(all).extracting(Metric::getName).as("every descriptor is a metric that is reported")
                .containsAll(DESCRIPTORS.keySet());
    }

    @Test
    void aSampleWithTheWrongLabelsIsRefused() {
        assertThatThrownBy(() -> CadvisorMetric.CPU_USAGE.sample(MetricLabels.ofPod("p", POD), 1, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[cpu]");
    }

    @Test
    void descriptorsHaveUniqueNamesAndStartWithTheCommonLabels() {
        assertThat(DESCRIPTORS).hasSize(CadvisorMetric.values().length);
        assertThat(DESCRIPTORS.values()).allSatisfy(d -> {
            assertThat(d.getLabelKeysList()).startsWith("container", "id", "image", "name", "namespace", "pod");
            assertThat(d.getLabelKeysList()).doesNotHaveDuplicates();
            assertThat(d.getHelp()).isNotBlank();
        });
    }

    /** Every metric has a descriptor of its name with one key per label value, as the kubelet requires. */
    private static void assertDescribed(List<Metric> metrics) {
        assertThat(metrics).isNotEmpty().allSatisfy(x -> {
            assertThat(DESCRIPTORS).containsKey(x.getName());
            assertThat(x.getLabelValuesList()).hasSameSizeAs(DESCRIPTORS.get(x.getName()).getLabelKeysList());
        });
    }

    private static ContainerStats fullStats(String id) {
        return ContainerStats.newBuilder()
                .setAttributes(ContainerAttributes.newBuilder().setId(id)
                        .setMetadata(ContainerMetadata.newBuilder().setName("app")))
                .setCpu(CpuUsage.newBuilder().setTimestamp(11).setUsageCoreNanoSeconds(u(2_900_000_000L)))
                .setMemory(MemoryUsage.newBuilder().setTimestamp(12).setUsageBytes(u(3000)).setWorkingSetBytes(u(2000))
                        .setRssBytes(u(1000)).setPageFaults(u(50)).setMajorPageFaults(u(5)))
                .setWritableLayer(FilesystemUsage.newBuilder().setTimestamp(13)
                        .setFsId(FilesystemIdentifier.newBuilder().setMountpoint("/layers/" + id))
                        .setUsedBytes(u(4096)).setInodesUsed(u(7)))
                .build();
    }

    private static Metric metric(List<Metric> m, String name) {
        return m.stream().filter(x -> x.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + name + " in " + m));
    }

    private static long value(List<Metric> m, String name) {
        return metric(m, name).getValue().getValue();
    }

    private static UInt64Value u(long v) {
        return UInt64Value.newBuilder().setValue(v).build();
    }
}
