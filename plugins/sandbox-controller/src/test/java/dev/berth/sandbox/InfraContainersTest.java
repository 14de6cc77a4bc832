package dev.berth.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.runtime.ContainerSpec;
import dev.berth.core.runtime.ImageProcess;
import dev.berth.core.runtime.PodContext;
import dev.berth.core.runtime.SecurityProfile;
import dev.berth.core.sandbox.InfraContainer;
import dev.berth.core.sandbox.NamespaceMode;
import dev.berth.core.sandbox.NamespaceOptions;
import dev.berth.core.sandbox.SandboxConfig;
import dev.berth.core.sandbox.SandboxSecurity;
import dev.berth.core.snapshot.Kind;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class InfraContainersTest {
    static final InfraContainer PAUSE = new InfraContainer("registry.k8s.io/pause:3.10", "sha256:cfg", "overlayfs",
            "sha256:chain", new ImageProcess(List.of("/pause"), List.of(), List.of("PATH=/bin"), "65535:65535", "/", ""),
            "runc", "crun");

    final FakeInfraPlugins fake = new FakeInfraPlugins();
    final InfraContainers infras = fake.infras();

    static SandboxConfig pod(NamespaceMode pid, SandboxSecurity security) {
        return SandboxConfig.builder("sb1").metadata("web", "ns", "u1", 0).cgroupParent("/kubepods/pod1")
                .namespaceOptions(new NamespaceOptions(NamespaceMode.POD, pid, NamespaceMode.POD, ""))
                .security(security).infra(PAUSE).build();
    }

    @Test
    void theSpecRunsTheImageProcessInThePodsNamespacesWithThePodsSecurityContext() {
        SandboxSecurity security = new SandboxSecurity(false, new SecurityProfile(SecurityProfile.Kind.RUNTIME_DEFAULT, ""), null, 1000L, 2000L, true);
        SandboxConfig c = pod(NamespaceMode.POD, security);
        PodContext pod = InfraContainers.podContext("sb1", c, "web", Path.of("/s/netns/sb1"), Path.of("/s/ipcns/sb1"),
                Path.of("/s/utsns/sb1"));
        ContainerSpec spec = InfraContainers.spec("sb1", c, pod, List.of());

        assertThat(spec.id()).isEqualTo("sb1"); // so its cgroup is <cgroup_parent>/berth-sb1
        assertThat(spec.image()).isEqualTo(PAUSE.process());
        assertThat(spec.command()).isEmpty();
        assertThat(spec.args()).isEmpty();
        assertThat(spec.logPath()).isEmpty();
        assertThat(spec.stdin()).isFalse();
        assertThat(spec.runtimePath()).isEqualTo("crun");
        assertThat(spec.pod().netnsPath()).isEqualTo("/s/netns/sb1");
        assertThat(spec.pod().ipcnsPath()).isEqualTo("/s/ipcns/sb1");
        assertThat(spec.pod().utsnsPath()).isEqualTo("/s/utsns/sb1");
        assertThat(spec.pod().hostNetwork()).isFalse();
        assertThat(spec.pod().hostIpc()).isFalse();
        // it makes the pod's shared pid namespace, which the containers then join
        assertThat(spec.pod().pidMode()).isEqualTo(NamespaceMode.CONTAINER);
        assertThat(spec.pod().cgroupParent()).isEqualTo("/kubepods/pod1");
        assertThat(spec.pod().hostname()).isEqualTo("web");
        assertThat(spec.security().runAsUser()).isEqualTo(1000L);
        assertThat(spec.security().runAsGroup()).isEqualTo(2000L);
        assertThat(spec.security().readonlyRootfs()).isTrue();
        assertThat(spec.security().noNewPrivs()).isTrue();
        assertThat(spec.security().privileged()).isFalse();
        assertThat(spec.security().seccomp()).isEqualTo(new SecurityProfile(SecurityProfile.Kind.RUNTIME_DEFAULT, ""));
    }

    @Test
    void hostNamespacesAreLeftOutAndAHostPidPodKeepsTheHostsPidNamespace() {
        SandboxConfig c = pod(NamespaceMode.NODE, SandboxSecurity.defaults());
        PodContext pod = InfraContainers.podContext("sb1", c, "node", null, null, null);
        assertThat(pod.hostNetwork()).isTrue();
        assertThat(pod.hostIpc()).isTrue();
        assertThat(pod.netnsPath()).isEmpty();
        assertThat(pod.pidMode()).isEqualTo(NamespaceMode.NODE);
        ContainerSpec spec = InfraContainers.spec("sb1", c, pod, List.of());
        assertThat(spec.security().runAsUser()).isNull(); // the image's user, 65535 for pause
        assertThat(spec.security().readonlyRootfs()).isFalse();
        assertThat(InfraContainers.podContext("sb1", pod(NamespaceMode.CONTAINER, SandboxSecurity.defaults()), "x",
                null, null, null).pidMode()).isEqualTo(NamespaceMode.CONTAINER);
    }

    @Test
    void startRunsTheImageOnASnapshotOfItAndAReadOnlyRootIsAView() {
        SandboxConfig c = pod(NamespaceMode.CONTAINER, SandboxSecurity.defaults());
        long pid = infras.start("sb1", c, InfraContainers.podContext("sb1", c, "web", null, null, null));
        assertThat(pid).isEqualTo(4242);
        assertThat(fake.calls).containsExactly("prepare sandbox-sb1 sha256:chain", "create sb1", "start sb1");
        assertThat(fake.specs.get("sb1").rootfs()).singleElement().extracting(m -> m.source()).isEqualTo("/snapshots/sandbox-sb1");
        assertThat(infras.running("sb1", PAUSE)).isTrue();

        SandboxConfig ro = SandboxConfig.builder("sb2").metadata("ro", "ns", "u2", 0).infra(PAUSE)
                .security(new SandboxSecurity(false, null, null, null, null, true)).build();
        infras.start("sb2", ro, InfraContainers.podContext("sb2", ro, "ro", null, null, null));
        assertThat(fake.snapshots).containsEntry("sandbox-sb2", Kind.VIEW).containsEntry("sandbox-sb1", Kind.ACTIVE);
    }

    @Test
    void aFailedStartLeavesNeitherContainerNorSnapshotAndNamesTheImage() {
        fake.failStart = new BerthException(ErrorKind.INVALID_ARGUMENT, "exec: \"/pause\": not found");
        SandboxConfig c = pod(NamespaceMode.CONTAINER, SandboxSecurity.defaults());
        assertThatThrownBy(() -> infras.start("sb1", c, InfraContainers.podContext("sb1", c, "web", null, null, null)))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
                .hasMessage("sandbox sb1: infra container from registry.k8s.io/pause:3.10: exec: \"/pause\": not found");
        assertThat(fake.calls).endsWith("delete sb1", "remove sandbox-sb1");
        assertThat(fake.containers).isEmpty();
        assertThat(fake.snapshots).isEmpty();
    }

    @Test
    void stopSendsTheImagesStopSignalWithTheGraceAndRemoveTakesEverything() {
        SandboxConfig c = pod(NamespaceMode.CONTAINER, SandboxSecurity.defaults());
        infras.start("sb1", c, InfraContainers.podContext("sb1", c, "web", null, null, null));
        infras.stop("sb1", PAUSE, Duration.ofSeconds(10));
        assertThat(fake.calls).contains("stop sb1 SIGTERM 10s");
        assertThat(infras.running("sb1", PAUSE)).isFalse();
        infras.remove("sb1", PAUSE);
        assertThat(fake.containers).isEmpty();
        assertThat(fake.snapshots).isEmpty();
        // both again: nothing there, nothing to do
        infras.stop("sb1", PAUSE, Duration.ZERO);
        infras.remove("sb1", PAUSE);
        assertThat(infras.running("sb1", PAUSE)).isFalse();
    }

    @Test
    void aMissingPluginIsAFailedPreconditionNamingIt() {
        InfraContainers none = new InfraContainers(Map.of("overlayfs", fake.snapshotter), Map.of());
        assertThatThrownBy(() -> none.check(PAUSE))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION))
                .hasMessageContaining("io.berth.runtime.v2 plugin \"runc\", which is not running");
        InfraContainers noSnapshots = new InfraContainers(Map.of(), Map.of("runc", fake.runtime));
        assertThatThrownBy(() -> noSnapshots.check(PAUSE))
                .hasMessageContaining("io.berth.snapshotter.v1 plugin \"overlayfs\", which is not running");
        assertThat(none.running("sb1", PAUSE)).isFalse();
    }

    @Test
    void orphanSnapshotsGoAndOthersStay() {
        fake.snapshots.put("sandbox-kept", Kind.ACTIVE);
        fake.snapshots.put("sandbox-orphan", Kind.VIEW);
        fake.snapshots.put("0123abcd", Kind.ACTIVE); // a container's layer: not ours
        fake.snapshots.put("sandbox-committed", Kind.COMMITTED);
        infras.removeOrphanSnapshots(Set.of("kept"));
        assertThat(fake.snapshots).containsOnlyKeys("sandbox-kept", "0123abcd", "sandbox-committed");
    }
}
