package dev.berth.bench;

import dev.berth.api.cri.v1.ContainerConfig;
import dev.berth.api.cri.v1.ContainerMetadata;
import dev.berth.api.cri.v1.CreateContainerRequest;
import dev.berth.api.cri.v1.ImageServiceGrpc;
import dev.berth.api.cri.v1.ImageSpec;
import dev.berth.api.cri.v1.LinuxContainerConfig;
import dev.berth.api.cri.v1.LinuxContainerSecurityContext;
import dev.berth.api.cri.v1.LinuxPodSandboxConfig;
import dev.berth.api.cri.v1.LinuxSandboxSecurityContext;
import dev.berth.api.cri.v1.NamespaceMode;
import dev.berth.api.cri.v1.NamespaceOption;
import dev.berth.api.cri.v1.PodSandboxConfig;
import dev.berth.api.cri.v1.PodSandboxMetadata;
import dev.berth.api.cri.v1.PullImageRequest;
import dev.berth.api.cri.v1.RemoveContainerRequest;
import dev.berth.api.cri.v1.RemovePodSandboxRequest;
import dev.berth.api.cri.v1.RunPodSandboxRequest;
import dev.berth.api.cri.v1.RuntimeServiceGrpc;
import dev.berth.api.cri.v1.StartContainerRequest;
import dev.berth.api.cri.v1.StopContainerRequest;
import dev.berth.api.cri.v1.StopPodSandboxRequest;
import dev.berth.itest.registry.LocalRegistry;
import dev.berth.itest.registry.TestImages;
import io.grpc.Channel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What the pod workloads share: their image (the itest busybox running {@code sleep 3600}), the loop over the daemons
 * under test, host-network pods with {@code sleep 3600} containers as the kubelet sends them, and the single CRI calls
 * that run, start, stop and remove them (each bounded by {@value #CALL_TIMEOUT_SECONDS} s).
 */
final class BenchPods {
    static final long CALL_TIMEOUT_SECONDS = 60;
    private static final long PULL_TIMEOUT_SECONDS = 300;
    /** What the kubelet sends for a host-network pod (the proto's zero value for pid is POD, which it never sends). */
    static final NamespaceOption HOST_NETWORK = NamespaceOption.newBuilder().setNetwork(NamespaceMode.NODE)
            .setPid(NamespaceMode.CONTAINER).setIpc(NamespaceMode.POD).build();

    private BenchPods() {
    }

    /** One daemon's measurement. */
    @FunctionalInterface
    interface Measure<S> {
        S run(DaemonLauncher launcher) throws Exception;
    }

    /** What to do after each daemon's measurement, whether it gave figures or not. */
    @FunctionalInterface
    interface After {
        void run(DaemonLauncher launcher) throws Exception;
    }

    /**
     * The itest busybox with {@code sleep 3600} as its command (marker {@code berth-bench-<name>}), pushed to
     * {@code registry} as {@code bench-<name>:1}; returns its reference.
     */
    static String sleepImage(LocalRegistry registry, Path work, String name) throws IOException, InterruptedException {
        return push(registry, work, name, TestImages.busybox().cmd(List.of("sleep", "3600")));
    }

    /**
     * A pause image like {@code registry.k8s.io/pause}: the itest busybox whose entrypoint, as pid 1, sleeps, reaps
     * and exits at once on SIGTERM (a {@code sleep} as pid 1 would ignore it and make every StopPodSandbox of an
     * infra container wait for its grace), pushed to {@code registry} as {@code bench-<name>:1}; returns its reference.
     */
    static String pauseImage(LocalRegistry registry, Path work, String name) throws IOException, InterruptedException {
        return push(registry, work, name, TestImages.busybox().user("65534:65534").workingDir("/")
                .entrypoint(List.of("/bin/sh", "-c", "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done"))
                .cmd(List.of("berth-bench-" + name)));
    }

    private static String push(LocalRegistry registry, Path work, String name, TestImages.Builder image)
            throws IOException, InterruptedException {
        TestImages.Layout layout = image.marker("berth-bench-" + name).build(work.resolve("layout-" + name), "1");
        return registry.push(layout, "bench-" + name + ":1").reference();
    }

    /**
     * {@code measure} on berth, then on the peer when there is one, by daemon name; a side that fails is reported
     * ("{@code workload} on {@code name}: ...") and left out, so as not to hide the others' figures.
     */
    static <S> Map<String, S> eachDaemon(Report report, String workload, BerthdLauncher berth, DaemonLauncher peer,
                                         Measure<S> measure, After after) throws Exception {
        Map<String, S> by = new LinkedHashMap<>();
        List<DaemonLauncher> launchers = peer == null ? List.of(berth) : List.of(berth, peer);
        for (DaemonLauncher l : launchers) {
            TempDirs.checkNotShuttingDown();
            try {
                by.put(l.name(), measure.run(l));
            } catch (Exception e) {
                e.printStackTrace();
                report.fail(workload + " on " + l.name() + ": " + Report.firstLine(e));
            } finally {
                after.run(l);
            }
        }
        return by;
    }

    /** Pulls {@code image} through the CRI (not timed). */
    static void pull(Channel channel, String image) {
        ImageServiceGrpc.newBlockingStub(channel).withDeadlineAfter(PULL_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                .pullImage(PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(image)).build());
    }

    /** A host-network pod named {@code name} in namespace "bench" (uid "uid-" + name), its log dir created here. */
    static PodSandboxConfig hostNetworkPod(String name, String cgroupParent, Path logDir) throws IOException {
        Files.createDirectories(logDir);
        return PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName(name).setNamespace("bench").setUid("uid-" + name))
                .setLogDirectory(logDir.toString())
                .setLinux(LinuxPodSandboxConfig.newBuilder().setCgroupParent(cgroupParent).setSecurityContext(
                        LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(HOST_NETWORK)))
                .build();
    }

    static String runPod(RuntimeServiceGrpc.RuntimeServiceBlockingStub rt, PodSandboxConfig pod) {
        return rt.withDeadlineAfter(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                .runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(pod).build()).getPodSandboxId();
    }

    /**
     * A {@code sleep 3600} container named {@code name} in host-network pod {@code podId}. As the kubelet does it: the
     * pod's config travels with the request.
     */
    static String createSleep(RuntimeServiceGrpc.RuntimeServiceBlockingStub rt, String podId, PodSandboxConfig pod,
                              String image, String name) {
        ContainerConfig c = ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(name))
                .setImage(ImageSpec.newBuilder().setImage(image))
                .addAllCommand(List.of("sleep", "3600"))
                .setLogPath(name + "/0.log")
                .setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(
                        LinuxContainerSecurityContext.newBuilder().setNamespaceOptions(HOST_NETWORK)))
                .build();
        return rt.withDeadlineAfter(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS).createContainer(CreateContainerRequest.newBuilder()
                .setPodSandboxId(podId).setConfig(c).setSandboxConfig(pod).build()).getContainerId();
    }

    static void start(RuntimeServiceGrpc.RuntimeServiceBlockingStub rt, String id) {
        rt.withDeadlineAfter(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                .startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
    }

    /** StopContainer with timeout 0. */
    static void stopContainer(RuntimeServiceGrpc.RuntimeServiceBlockingStub rt, String id) {
        rt.withDeadlineAfter(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                .stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(0).build());
    }

    static void removeContainer(RuntimeServiceGrpc.RuntimeServiceBlockingStub rt, String id) {
        rt.withDeadlineAfter(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                .removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
    }

    static void stopPod(RuntimeServiceGrpc.RuntimeServiceBlockingStub rt, String id) {
        rt.withDeadlineAfter(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                .stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
    }

    static void removePod(RuntimeServiceGrpc.RuntimeServiceBlockingStub rt, String id) {
        rt.withDeadlineAfter(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                .removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
    }
}
