package dev.berth.itest;

import static dev.berth.itest.PodSandboxIT.mountsUnder;
import static dev.berth.itest.PodSandboxIT.processesMentioning;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.api.cri.v1.ContainerConfig;
import dev.berth.api.cri.v1.ContainerMetadata;
import dev.berth.api.cri.v1.ContainerState;
import dev.berth.api.cri.v1.ContainerStatus;
import dev.berth.api.cri.v1.ContainerStatusRequest;
import dev.berth.api.cri.v1.CreateContainerRequest;
import dev.berth.api.cri.v1.ImageSpec;
import dev.berth.api.cri.v1.LinuxContainerConfig;
import dev.berth.api.cri.v1.LinuxContainerSecurityContext;
import dev.berth.api.cri.v1.LinuxPodSandboxConfig;
import dev.berth.api.cri.v1.LinuxSandboxSecurityContext;
import dev.berth.api.cri.v1.NamespaceMode;
import dev.berth.api.cri.v1.NamespaceOption;
import dev.berth.api.cri.v1.PodSandboxConfig;
import dev.berth.api.cri.v1.PodSandboxMetadata;
import dev.berth.api.cri.v1.RunPodSandboxRequest;
import dev.berth.api.cri.v1.StartContainerRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;

/** Pods and containers through the CRI as the container itests set them up, and the clean-up after them. */
final class CriPods {
    private CriPods() {
    }

    /** Skips the test class unless it runs as root with runc and conmon, as every container itest needs. */
    static void assumeRootRuncConmon() {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root");
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/runc"))
                || Files.isExecutable(Path.of("/usr/bin/runc")), "needs runc");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/conmon"))
                || Files.isExecutable(Path.of("/usr/libexec/podman/conmon")), "needs conmon");
    }

    /** As {@link #assumeRootRuncConmon}, and the CNI loopback plugin {@link #loopbackNetwork} uses. */
    static void assumeRootRuncConmonLoopbackCni() {
        assumeRootRuncConmon();
        assumeTrue(Files.isExecutable(PodSandboxIT.CNI_BIN.resolve("loopback")),
                "needs the CNI loopback plugin");
    }

    /**
     * Pods get their own network namespace with only loopback in it: a loopback-only CNI network in {@code c}'s
     * directory, and the pod controller pointed at it.
     */
    static TestConfig loopbackNetwork(TestConfig c) throws IOException {
        Path confDir = Files.createDirectories(c.dir().resolve("net.d"));
        Files.writeString(confDir.resolve("10-lo.conflist"),
                "{\"cniVersion\": \"1.0.0\", \"name\": \"berth-lo\", \"plugins\": [{\"type\": \"loopback\"}]}");
        return c.append("[plugins.\"" + PodSandboxIT.CONTROLLER + "\"]\ncni_conf_dir = \"" + confDir
                + "\"\ncni_bin_dirs = [\"" + PodSandboxIT.CNI_BIN + "\"]\n");
    }

    /** Runs a pod in namespace itest, logging under {@code dir/logs/<name>}, with the default runtime handler. */
    static String runPod(Berthd d, Path dir, String cgroupParent, String name, NamespaceMode network, NamespaceMode pid) {
        return runPod(d, dir, cgroupParent, name, network, pid, "");
    }

    /** Runs a pod in namespace itest, logging under {@code dir/logs/<name>}; returns its id. */
    static String runPod(Berthd d, Path dir, String cgroupParent, String name, NamespaceMode network, NamespaceMode pid,
                         String handler) {
        PodSandboxConfig pod = PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName(name).setNamespace("itest").setUid("uid-" + name))
                .setLogDirectory(dir.resolve("logs").resolve(name).toString())
                .setLinux(LinuxPodSandboxConfig.newBuilder().setCgroupParent(cgroupParent).setSecurityContext(
                        LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(
                                NamespaceOption.newBuilder().setNetwork(network).setPid(pid))))
                .build();
        return d.runtime().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(pod).setRuntimeHandler(handler).build())
                .getPodSandboxId();
    }

    /**
     * Creates a container in {@code pod} (not started) logging to {@code <name>/0.log}, with the namespace options the
     * kubelet sends for a pod without shareProcessNamespace in the given {@code network}, as {@code more} then changes
     * it; returns its full id.
     */
    static String create(Berthd d, String pod, String name, String image, List<String> command, NamespaceMode network,
                         UnaryOperator<ContainerConfig.Builder> more) {
        ContainerConfig.Builder c = ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(name))
                .setImage(ImageSpec.newBuilder().setImage(image))
                .addAllCommand(command)
                .setLogPath(name + "/0.log")
                .setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(LinuxContainerSecurityContext.newBuilder()
                        .setNamespaceOptions(NamespaceOption.newBuilder().setNetwork(network)
                                .setPid(NamespaceMode.CONTAINER))));
        return d.runtime().createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(pod)
                .setConfig(more.apply(c)).setSandboxConfig(PodSandboxConfig.getDefaultInstance()).build()).getContainerId();
    }

    /** {@link #create} and start it; returns its full id. */
    static String createAndStart(Berthd d, String pod, String name, String image, List<String> command,
                                 NamespaceMode network, UnaryOperator<ContainerConfig.Builder> more) {
        String id = create(d, pod, name, image, command, network, more);
        d.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
        return id;
    }

    static ContainerStatus status(Berthd d, String id) {
        return d.runtime().containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id).build()).getStatus();
    }

    /** Waits up to 10 s for the container to have exited; returns its status then. */
    static ContainerStatus awaitExited(Berthd d, String id) throws InterruptedException {
        for (int i = 0; i < 200; i++) {
            ContainerStatus st = status(d, id);
            if (st.getState() == ContainerState.CONTAINER_EXITED) {
                return st;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("container " + id + " did not exit within 10 s: " + status(d, id));
    }

    /** The text of {@code log} once it contains {@code text}, waiting up to 10 s. */
    static String awaitLog(Path log, String text) throws InterruptedException, IOException {
        String content = "";
        for (int i = 0; i < 200; i++) {
            content = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
            if (content.contains(text)) {
                return content;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("log " + log + " did not show " + text + " within 10 s:\n" + content);
    }

    /**
     * After a test: removes every daemon's pods and closes it; then, if a daemon was set up in {@code dir}, removes
     * the runtime's leftovers there and the {@code cgroupParent} tree, and asserts no mounts or processes are left.
     */
    static void cleanUp(List<Berthd> daemons, Path dir, String cgroupParent) throws Exception {
        for (Berthd d : daemons) {
            HostCleanup.removeAllPods(d);
            d.close();
        }
        if (dir == null) {
            return;
        }
        HostCleanup.runtimeLeftovers(dir);
        HostCleanup.removeCgroupTree(cgroupParent);
        assertThat(mountsUnder(dir)).as("mounts left under " + dir).isEmpty();
        assertThat(processesMentioning(dir.toString())).as("processes left").isEmpty();
    }
}
