package dev.berth.itest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonParser;
import dev.berth.api.cri.v1.ContainerState;
import dev.berth.api.cri.v1.ContainerStatusRequest;
import dev.berth.api.cri.v1.ExecSyncRequest;
import dev.berth.api.cri.v1.ExecSyncResponse;
import dev.berth.api.cri.v1.IDMapping;
import dev.berth.api.cri.v1.Int64Value;
import dev.berth.api.cri.v1.LinuxPodSandboxConfig;
import dev.berth.api.cri.v1.LinuxSandboxSecurityContext;
import dev.berth.api.cri.v1.ListContainersRequest;
import dev.berth.api.cri.v1.ListPodSandboxRequest;
import dev.berth.api.cri.v1.Mount;
import dev.berth.api.cri.v1.NamespaceMode;
import dev.berth.api.cri.v1.NamespaceOption;
import dev.berth.api.cri.v1.PodSandboxConfig;
import dev.berth.api.cri.v1.PodSandboxMetadata;
import dev.berth.api.cri.v1.PodSandboxState;
import dev.berth.api.cri.v1.PodSandboxStatusRequest;
import dev.berth.api.cri.v1.RunPodSandboxRequest;
import dev.berth.api.cri.v1.RuntimeHandler;
import dev.berth.api.cri.v1.StatusRequest;
import dev.berth.api.cri.v1.UserNamespace;
import dev.berth.itest.registry.Registries;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Pods in a user namespace of their own (CRI {@code userns_options} mode POD) through a real berthd, runc and the
 * kernel: the pod's root is an unprivileged uid on the host, yet reads the image's root-only files and a root-owned
 * volume as their owner, through idmapped mounts, and what it writes to the volume lands as root-owned on the host.
 */
@ExtendWith({Daemons.class, Registries.Extension.class})
class UserNamespaceIT {
    /** Where the pod's ids start on the host: far from any real user. */
    private static final int HOST_BASE = 0x30000;
    private static final int LENGTH = 65536;

    private final List<Berthd> daemons = new ArrayList<>();
    private final String cgroupParent = "/berth-it-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    private Path dir;

    @BeforeAll
    static void requireRootRuncConmonCni() {
        CriPods.assumeRootRuncConmonLoopbackCni();
    }

    @Test
    void thePodsRootIsAnUnprivilegedHostUidThatOwnsItsImageAndVolumes(Daemons.Session s, Registries r) throws Exception {
        TestConfig c = CriPods.loopbackNetwork(s.config());
        Berthd d = start(s, c);
        List<RuntimeHandler> handlers = d.runtime().status(StatusRequest.getDefaultInstance()).getRuntimeHandlersList();
        assertThat(handlers).as("runc lists the user namespace and this kernel makes idmapped mounts")
                .allSatisfy(h -> assertThat(h.getFeatures().getUserNamespaces()).isTrue());
        String image = CriFixtures.pushAndPullBusybox(d, r);

        // a volume only root may read, as kubelet's secret volumes are
        Path volume = Files.createDirectories(dir.resolve("volume"));
        Files.setPosixFilePermissions(volume, PosixFilePermissions.fromString("rwx------"));
        Files.writeString(volume.resolve("secret"), "s3cret\n");
        Files.setPosixFilePermissions(volume.resolve("secret"), PosixFilePermissions.fromString("rw-------"));

        String pod = d.runtime().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(podConfig("userns",
                NamespaceMode.POD, userns(HOST_BASE))).build()).getPodSandboxId();
        assertThat(d.runtime().podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(pod).build())
                .getStatus().getLinux().getNamespaces().getOptions().getUsernsOptions())
                .as("PodSandboxStatus reports the pod's mappings").isEqualTo(userns(HOST_BASE).build());

        String ctr = CriPods.createAndStart(d, pod, "app", image, List.of("sh", "-c",
                "id -u; cat /proc/self/uid_map; ls -ln /etc/passwd; ls /root && echo root-dir-readable; "
                        + "cat /data/secret; echo written > /data/new && echo volume-writable; "
                        + "echo x > /etc/probe && echo rootfs-writable; sleep 300"), NamespaceMode.POD,
                cfg -> cfg.setLinux(cfg.getLinux().toBuilder().setSecurityContext(cfg.getLinux().getSecurityContext()
                        .toBuilder().setRunAsUser(Int64Value.newBuilder().setValue(0)) // the image's user is app
                        .setNamespaceOptions(NamespaceOption.newBuilder().setPid(NamespaceMode.POD)
                                .setUsernsOptions(userns(HOST_BASE))))).addMounts(Mount.newBuilder()
                        .setContainerPath("/data").setHostPath(volume.toString())));

        String log = CriPods.awaitLog(Path.of(CriPods.status(d, ctr).getLogPath()), "rootfs-writable");
        assertThat(log).as("the container's root is uid 0 in a namespace mapping it to %d", HOST_BASE)
                .contains(" stdout F 0\n").containsPattern("stdout F +0 +" + HOST_BASE + " +" + LENGTH + "\n");
        assertThat(log).as("image files are owned by the container's root, not the overflow uid")
                .containsPattern("stdout F -rw-r--r-- +1 0 +0 .*/etc/passwd")
                .contains("root-dir-readable", "stdout F s3cret", "volume-writable", "rootfs-writable");

        long pid = JsonParser.parseString(d.runtime().containerStatus(ContainerStatusRequest.newBuilder()
                .setContainerId(ctr).setVerbose(true).build()).getInfoMap().get("info")).getAsJsonObject().get("pid")
                .getAsLong();
        assertThat(Files.readAllLines(Path.of("/proc/" + pid + "/status"))).as("on the host it is uid %d", HOST_BASE)
                .anySatisfy(l -> assertThat(l).matches("Uid:\\s+" + HOST_BASE + "\\s+" + HOST_BASE + "\\s.*"));
        assertThat(Files.getAttribute(volume.resolve("new"), "unix:uid", LinkOption.NOFOLLOW_LINKS))
                .as("through the idmapped volume the container's root writes as the volume's owner").isEqualTo(0);

        ExecSyncResponse exec = d.runtime().execSync(ExecSyncRequest.newBuilder().setContainerId(ctr)
                .addCmd("sh").addCmd("-c").addCmd("id -u; cat /proc/1/cmdline | tr '\\0' ' '").setTimeout(10).build());
        assertThat(exec.getStdout().toStringUtf8()).as("an exec'd process joins the user and the pod's pid namespace")
                .startsWith("0\n").contains("berth-infra-" + pod);

        // a new daemon finds the pod and its container as they were
        d.close();
        Berthd again = start(s, c);
        assertThat(CriPods.status(again, ctr).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
        assertThat(again.runtime().execSync(ExecSyncRequest.newBuilder().setContainerId(ctr).addCmd("id").addCmd("-u")
                .setTimeout(10).build()).getStdout().toStringUtf8()).isEqualTo("0\n");
        assertThat(again.runtime().podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(pod).build())
                .getStatus().getState()).isEqualTo(PodSandboxState.SANDBOX_READY);
    }

    @Test
    void badMappingsAndAMismatchedContainerAreRefusedNamingTheField(Daemons.Session s, Registries r) throws Exception {
        Berthd d = start(s, CriPods.loopbackNetwork(s.config()));
        String image = CriFixtures.pushAndPullBusybox(d, r);

        UserNamespace.Builder overlapping = userns(HOST_BASE).addUids(IDMapping.newBuilder().setContainerId(100)
                .setHostId(HOST_BASE * 2).setLength(10));
        UserNamespace.Builder noRoot = UserNamespace.newBuilder().setMode(NamespaceMode.POD)
                .addUids(IDMapping.newBuilder().setContainerId(1).setHostId(HOST_BASE).setLength(10))
                .addGids(IDMapping.newBuilder().setContainerId(1).setHostId(HOST_BASE).setLength(10));
        assertRefused(() -> d.runtime().runPodSandbox(RunPodSandboxRequest.newBuilder()
                        .setConfig(podConfig("bad", NamespaceMode.CONTAINER, overlapping)).build()),
                "namespace_options.userns_options.uids[1] overlaps");
        assertRefused(() -> d.runtime().runPodSandbox(RunPodSandboxRequest.newBuilder()
                .setConfig(podConfig("bad", NamespaceMode.CONTAINER, noRoot)).build()), "must both map id 0");
        assertThat(d.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()).isEmpty();

        String pod = d.runtime().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(podConfig("good",
                NamespaceMode.CONTAINER, userns(HOST_BASE))).build()).getPodSandboxId();
        assertRefused(() -> CriPods.create(d, pod, "other", image, List.of("sleep", "300"), NamespaceMode.POD,
                cfg -> cfg.setLinux(cfg.getLinux().toBuilder().setSecurityContext(cfg.getLinux().getSecurityContext()
                        .toBuilder().setNamespaceOptions(NamespaceOption.newBuilder()
                                .setUsernsOptions(userns(HOST_BASE + LENGTH)))))),
                "userns_options must be those of sandbox " + pod);
        assertThat(d.runtime().listContainers(ListContainersRequest.getDefaultInstance()).getContainersList()).isEmpty();
    }

    @AfterEach
    void cleanUp() throws Exception {
        CriPods.cleanUp(daemons, dir, cgroupParent);
    }

    // ------------------------------------------------------------------ helpers

    private Berthd start(Daemons.Session s, TestConfig c) throws Exception {
        dir = c.dir();
        // a node's /run is searchable by anyone; a temp dir is not (see the shim's StateDirAccess)
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        Berthd d = s.start(c);
        daemons.add(d);
        return d;
    }

    private static UserNamespace.Builder userns(int hostBase) {
        return UserNamespace.newBuilder().setMode(NamespaceMode.POD)
                .addUids(IDMapping.newBuilder().setContainerId(0).setHostId(hostBase).setLength(LENGTH))
                .addGids(IDMapping.newBuilder().setContainerId(0).setHostId(hostBase).setLength(LENGTH));
    }

    private PodSandboxConfig podConfig(String name, NamespaceMode pid, UserNamespace.Builder userns) {
        return PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName(name).setNamespace("itest").setUid("uid-" + name))
                .setLogDirectory(dir.resolve("logs").resolve(name).toString())
                .setLinux(LinuxPodSandboxConfig.newBuilder().setCgroupParent(cgroupParent).setSecurityContext(
                        LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(NamespaceOption.newBuilder()
                                .setPid(pid).setUsernsOptions(userns))))
                .build();
    }

    private static void assertRefused(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String message) {
        assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(e.getStatus().getDescription()).contains(message);
        });
    }
}
