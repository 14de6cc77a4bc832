package dev.berth.itest;

import static dev.berth.itest.PodSandboxIT.sh;
import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.api.cri.v1.ContainerMetrics;
import dev.berth.api.cri.v1.ExecSyncRequest;
import dev.berth.api.cri.v1.ExecSyncResponse;
import dev.berth.api.cri.v1.ListMetricDescriptorsRequest;
import dev.berth.api.cri.v1.ListPodSandboxMetricsRequest;
import dev.berth.api.cri.v1.Metric;
import dev.berth.api.cri.v1.MetricDescriptor;
import dev.berth.api.cri.v1.MetricType;
import dev.berth.api.cri.v1.NamespaceMode;
import dev.berth.api.cri.v1.PodSandboxMetrics;
import dev.berth.api.cri.v1.RemoveContainerRequest;
import dev.berth.api.cri.v1.RemovePodSandboxRequest;
import dev.berth.api.cri.v1.StopContainerRequest;
import dev.berth.api.cri.v1.StopPodSandboxRequest;
import dev.berth.itest.registry.Registries;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * ListMetricDescriptors and ListPodSandboxMetrics of a real berthd, as the kubelet's {@code /metrics/cadvisor} uses
 * them: busybox containers under runc, pods in their own network namespace (loopback only, or on a bridge of this
 * test's own without an address on the host, so nothing outside the test is contacted). After each test, pass or fail,
 * pods, runtime leftovers, the cgroup parent and the bridge go, and ip_forward is as before.
 */
@ExtendWith({Daemons.class, Registries.Extension.class})
class PodMetricsIT {
    private static final String BRIDGE = "berthmet0";
    private static final String SUBNET_PREFIX = "10.236.0.";
    private static final Path IP_FORWARD = Path.of("/proc/sys/net/ipv4/ip_forward");
    private static final String CPU = "container_cpu_usage_seconds_total";

    private final List<Berthd> daemons = new ArrayList<>();
    private final String cgroupParent = "/berth-it-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    private Path dir;
    private String ipForward;

    @BeforeAll
    static void requireRootRuncConmonCni() throws Exception {
        CriPods.assumeRootRuncConmonLoopbackCni();
    }

    // ------------------------------------------------------------------ tests

    @Test
    void aBusyContainersCpuMemoryAndLayerAreReportedUntilItGoes(Daemons.Session s, Registries r) throws Exception {
        Berthd d = start(s, CriPods.loopbackNetwork(s.config()));
        String image = CriFixtures.pushAndPullBusybox(d, r);
        String pod = CriPods.runPod(d, dir, cgroupParent, "busy", NamespaceMode.POD, NamespaceMode.CONTAINER);
        String spin = CriPods.createAndStart(d, pod, "spin", image, List.of("sh", "-c", "while :; do :; done"),
                NamespaceMode.POD, c -> c);
        String idle = CriPods.createAndStart(d, pod, "idle", image, List.of("sleep", "300"), NamespaceMode.POD, c -> c);
        Map<String, MetricDescriptor> descriptors = descriptors(d);

        long first = awaitCpuSeconds(d, pod, spin, v -> v >= 1);
        PodSandboxMetrics p = podMetrics(d, pod).orElseThrow();
        assertDescribed(p, descriptors);
        assertThat(p.getMetricsList()).as("loopback is not reported, and the pod has nothing else").isEmpty();
        assertThat(p.getContainerMetricsList()).extracting(ContainerMetrics::getContainerId)
                .containsExactlyInAnyOrder(spin, idle);
        List<Metric> m = containerMetrics(p, spin);
        Metric cpu = metric(m, CPU);
        assertThat(cpu.getMetricType()).isEqualTo(MetricType.COUNTER);
        assertThat(cpu.getTimestamp()).isPositive();
        assertThat(cpu.getLabelValuesList()).containsExactly("spin", spin, image, spin, "itest", "busy", "total");
        assertThat(metric(m, "container_memory_working_set_bytes").getValue().getValue()).isPositive();
        assertThat(metric(m, "container_memory_working_set_bytes").getMetricType()).isEqualTo(MetricType.GAUGE);
        assertThat(metric(m, "container_memory_usage_bytes").getValue().getValue()).isPositive();
        assertThat(metric(m, "container_fs_usage_bytes").getLabelValuesList()).last().asString().isNotEmpty();
        assertThat(m).extracting(Metric::getName).contains("container_memory_rss", "container_memory_failures_total");

        long later = awaitCpuSeconds(d, pod, spin, v -> v > first);
        assertThat(later).isGreaterThan(first);

        // a stopped container drops out, then a removed one, then the stopped and the removed pod
        d.runtime().stopContainer(StopContainerRequest.newBuilder().setContainerId(idle).setTimeout(0).build());
        assertThat(podMetrics(d, pod).orElseThrow().getContainerMetricsList()).extracting(ContainerMetrics::getContainerId)
                .containsExactly(spin);
        d.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(idle).build());
        assertThat(podMetrics(d, pod).orElseThrow().getContainerMetricsList()).extracting(ContainerMetrics::getContainerId)
                .containsExactly(spin);
        d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
        assertThat(podMetrics(d, pod)).as("a stopped pod").isEmpty();
        d.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
        assertThat(d.runtime().listPodSandboxMetrics(ListPodSandboxMetricsRequest.getDefaultInstance())
                .getPodMetricsList()).isEmpty();
    }

    @Test
    void aPodOnABridgeReportsItsInterfaceCounters(Daemons.Session s, Registries r) throws Exception {
        assertThat(sh("ip", "link", "show", BRIDGE).code()).as("bridge " + BRIDGE + " must not exist yet").isNotZero();
        assertThat(sh("ip", "route").out()).as("test subnet must be unused").doesNotContain(SUBNET_PREFIX);
        ipForward = Files.readString(IP_FORWARD).strip();
        Berthd d = start(s, bridged(s.config()));
        String image = CriFixtures.pushAndPullBusybox(d, r);
        String pod = CriPods.runPod(d, dir, cgroupParent, "net", NamespaceMode.POD, NamespaceMode.CONTAINER);
        String id = CriPods.createAndStart(d, pod, "app", image, List.of("sleep", "300"), NamespaceMode.POD, c -> c);
        // an address nobody has: the kernel asks for it on eth0 (ARP) and gets no answer
        exec(d, id, "sh", "-c", "echo x | nc -u -w 1 " + SUBNET_PREFIX + "250 9; true");

        PodSandboxMetrics p = podMetrics(d, pod).orElseThrow();
        assertDescribed(p, descriptors(d));
        assertThat(p.getMetricsList()).extracting(x -> x.getLabelValues(x.getLabelValuesCount() - 1))
                .as("interface label").containsOnly("eth0");
        assertThat(p.getMetricsList()).extracting(Metric::getName).containsExactlyInAnyOrder(
                "container_network_receive_bytes_total", "container_network_receive_packets_total",
                "container_network_receive_packets_dropped_total", "container_network_receive_errors_total",
                "container_network_transmit_bytes_total", "container_network_transmit_packets_total",
                "container_network_transmit_packets_dropped_total", "container_network_transmit_errors_total");
        assertThat(metric(p.getMetricsList(), "container_network_transmit_bytes_total").getLabelValuesList())
                .containsExactly("", pod, "", pod, "itest", "net", "eth0");
        long txPackets = metric(p.getMetricsList(), "container_network_transmit_packets_total").getValue().getValue();
        long txBytes = metric(p.getMetricsList(), "container_network_transmit_bytes_total").getValue().getValue();
        assertThat(txPackets).isPositive();
        // PodSandboxStats carries the same interface as the pod's network usage
        dev.berth.api.cri.v1.NetworkUsage net = d.runtime().podSandboxStats(dev.berth.api.cri.v1.PodSandboxStatsRequest
                .newBuilder().setPodSandboxId(pod).build()).getStats().getLinux().getNetwork();
        assertThat(net.getDefaultInterface().getName()).isEqualTo("eth0");
        assertThat(net.getInterfacesList()).extracting(dev.berth.api.cri.v1.NetworkInterfaceUsage::getName).containsExactly("eth0");
        assertThat(net.getDefaultInterface().getTxBytes().getValue()).isGreaterThanOrEqualTo(txBytes);
        assertThat(net.getTimestamp()).isPositive();
        // the pod's own view, read afterwards, has at least as much: the numbers are the pod's eth0, not the host's
        String eth0 = exec(d, id, "cat", "/proc/net/dev").lines().filter(l -> l.strip().startsWith("eth0:"))
                .findFirst().orElseThrow();
        String[] f = eth0.substring(eth0.indexOf(':') + 1).strip().split("\\s+");
        assertThat(Long.parseLong(f[8])).isGreaterThanOrEqualTo(txBytes).isLessThan(txBytes + 100_000);
        assertThat(Long.parseLong(f[9])).isGreaterThanOrEqualTo(txPackets).isLessThan(txPackets + 1_000);
    }

    // ------------------------------------------------------------------ cleanup

    @AfterEach
    void cleanUp() throws Exception {
        try {
            CriPods.cleanUp(daemons, dir, cgroupParent);
        } finally {
            if (sh("ip", "link", "show", BRIDGE).code() == 0) {
                sh("ip", "link", "del", BRIDGE);
            }
            if (ipForward != null) {
                Files.writeString(IP_FORWARD, ipForward);
            }
        }
        assertThat(sh("ip", "-o", "link").out()).doesNotContain(BRIDGE);
        assertThat(sh("iptables-save").out()).as("iptables rules left").doesNotContain(SUBNET_PREFIX);
    }

    // ------------------------------------------------------------------ helpers

    private Berthd start(Daemons.Session s, TestConfig c) throws Exception {
        dir = c.dir();
        Berthd d = s.start(c);
        daemons.add(d);
        return d;
    }

    /** Pods on {@value #BRIDGE}: no address, gateway or masquerading on the host, addresses from this test's dir. */
    private static TestConfig bridged(TestConfig c) throws IOException {
        Path confDir = Files.createDirectories(c.dir().resolve("net.d"));
        Files.writeString(confDir.resolve("10-berthmet.conflist"), "{\"cniVersion\": \"1.0.0\", \"name\": \"berthmet\","
                + " \"plugins\": [{\"type\": \"bridge\", \"bridge\": \"" + BRIDGE + "\", \"isGateway\": false,"
                + " \"ipMasq\": false, \"ipam\": {\"type\": \"host-local\", \"ranges\": [[{\"subnet\": \""
                + SUBNET_PREFIX + "0/24\"}]], \"dataDir\": \"" + c.dir().resolve("ipam") + "\"}},"
                + " {\"type\": \"loopback\"}]}");
        return c.append("[plugins.\"" + PodSandboxIT.CONTROLLER + "\"]\ncni_conf_dir = \"" + confDir
                + "\"\ncni_bin_dirs = [\"" + PodSandboxIT.CNI_BIN + "\"]\n");
    }

    private static Map<String, MetricDescriptor> descriptors(Berthd d) {
        return d.runtime().listMetricDescriptors(ListMetricDescriptorsRequest.getDefaultInstance()).getDescriptorsList()
                .stream().collect(Collectors.toMap(MetricDescriptor::getName, Function.identity()));
    }

    private static Optional<PodSandboxMetrics> podMetrics(Berthd d, String pod) {
        return d.runtime().listPodSandboxMetrics(ListPodSandboxMetricsRequest.getDefaultInstance()).getPodMetricsList()
                .stream().filter(p -> p.getPodSandboxId().equals(pod)).findFirst();
    }

    /** Every metric of the pod and its containers has a descriptor of its name with one key per label value. */
    private static void assertDescribed(PodSandboxMetrics p, Map<String, MetricDescriptor> descriptors) {
        Stream.concat(p.getMetricsList().stream(), p.getContainerMetricsList().stream()
                .flatMap(c -> c.getMetricsList().stream())).forEach(m -> {
                    assertThat(descriptors).as("descriptor of " + m.getName()).containsKey(m.getName());
                    assertThat(m.getLabelValuesList()).as(m.getName() + " labels")
                            .hasSameSizeAs(descriptors.get(m.getName()).getLabelKeysList());
                });
    }

    private static List<Metric> containerMetrics(PodSandboxMetrics p, String containerId) {
        return p.getContainerMetricsList().stream().filter(c -> c.getContainerId().equals(containerId)).findFirst()
                .orElseThrow(() -> new AssertionError("no metrics of container " + containerId + " in " + p))
                .getMetricsList();
    }

    private static Metric metric(List<Metric> m, String name) {
        return m.stream().filter(x -> x.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + name + " in " + m));
    }

    /** Polls the container's CPU seconds for up to 60 s (a busy loop shares two CPUs with other work) until accepted. */
    private static long awaitCpuSeconds(Berthd d, String pod, String containerId, Predicate<Long> accept)
            throws InterruptedException {
        long v = -1;
        for (int i = 0; i < 240; i++) {
            v = metric(containerMetrics(podMetrics(d, pod).orElseThrow(), containerId), CPU).getValue().getValue();
            if (accept.test(v)) {
                return v;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("CPU seconds of " + containerId + " still " + v + " after 60 s");
    }

    private static String exec(Berthd d, String id, String... cmd) {
        ExecSyncResponse r = d.runtime().execSync(ExecSyncRequest.newBuilder().setContainerId(id).addAllCmd(List.of(cmd))
                .setTimeout(20).build());
        assertThat(r.getExitCode()).as(r.getStderr().toStringUtf8()).isZero();
        return r.getStdout().toStringUtf8();
    }
}
