package dev.berth.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.runtime.ContainerState;
import dev.berth.core.sandbox.NamespaceMode;
import dev.berth.core.sandbox.NamespaceOptions;
import dev.berth.core.sandbox.SandboxConfig;
import dev.berth.core.sandbox.SandboxState;
import dev.berth.core.sandbox.SandboxStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The controller's side of image mode with a fake runtime and snapshotter, on pods with the host's network and IPC
 * (so no namespaces, CNI or root are needed): when the infra container is made, stopped, removed, and what a restart
 * makes of it. The real thing is InfraContainerIT's.
 */
class ImageModeSandboxTest {
    @TempDir
    Path dir;
    final FakeInfraPlugins fake = new FakeInfraPlugins();
    PodSandboxController controller;

    @AfterEach
    void close() {
        if (controller != null) {
            controller.close();
        }
    }

    PodSandboxController open() throws Exception {
        if (controller != null) {
            controller.close();
        }
        Files.writeString(dir.resolve("hosts"), "127.0.0.1 localhost\n");
        Files.writeString(dir.resolve("resolv.conf"), "nameserver 127.0.0.53\n");
        controller = new PodSandboxController(dir.resolve("root"), dir.resolve("state"),
                new PodSandboxSettings(dir.resolve("net.d"), List.of(dir.resolve("cni")), Duration.ofSeconds(5), 1 << 20),
                new SandboxFiles(dir.resolve("hosts"), dir.resolve("resolv.conf")), Clock.systemUTC(), fake.infras());
        return controller;
    }

    static SandboxConfig pod(String id, NamespaceMode pid) {
        return SandboxConfig.builder(id).metadata("pod-" + id, "ns", "uid-" + id, 0)
                .namespaceOptions(new NamespaceOptions(NamespaceMode.NODE, pid, NamespaceMode.NODE, ""))
                .infra(InfraContainersTest.PAUSE).build();
    }

    @Test
    void everyPodGetsAnInfraContainerAndASharedPidPodsContainersJoinIt() throws Exception {
        PodSandboxController c = open();
        c.create(pod("a", NamespaceMode.CONTAINER));
        assertThat(c.start("a").pid()).isEqualTo(4242);
        assertThat(fake.calls).containsExactly("prepare sandbox-a sha256:chain", "create a", "start a");
        SandboxStatus st = c.status("a", true);
        assertThat(st.state()).isEqualTo(SandboxState.READY);
        assertThat(st.info()).containsEntry(PodSandboxController.INFO_INFRA_PID, "4242")
                .containsEntry(PodSandboxController.INFO_INFRA_IMAGE, "registry.k8s.io/pause:3.10")
                .doesNotContainKey(SandboxStatus.INFO_PID_NS); // its containers each get their own

        c.create(pod("b", NamespaceMode.POD));
        c.start("b");
        assertThat(c.status("b", false).info()).containsEntry(SandboxStatus.INFO_PID_NS, "/proc/4242/ns/pid");
    }

    @Test
    void aPodWhoseInfraContainerDiedIsNotReady() throws Exception {
        PodSandboxController c = open();
        c.create(pod("a", NamespaceMode.POD));
        c.start("a");
        fake.containers.put("a", ContainerState.EXITED);
        SandboxStatus st = c.status("a", false);
        assertThat(st.state()).isEqualTo(SandboxState.NOTREADY);
        assertThat(st.info()).doesNotContainKey(SandboxStatus.INFO_PID_NS);
    }

    @Test
    void stopStopsItWithTheGraceAndShutdownRemovesItsContainerAndSnapshot() throws Exception {
        PodSandboxController c = open();
        c.create(pod("a", NamespaceMode.CONTAINER));
        c.start("a");
        c.stop("a", Duration.ofSeconds(10));
        assertThat(fake.calls).endsWith("stop a SIGTERM 10s");
        assertThat(fake.snapshots).containsKey("sandbox-a"); // kept until RemovePodSandbox, like runc's state
        assertThat(c.status("a", true).info()).doesNotContainKey(PodSandboxController.INFO_INFRA_PID);
        c.shutdown("a");
        assertThat(fake.calls).endsWith("delete a", "remove sandbox-a");
        assertThat(fake.containers).isEmpty();
        assertThat(fake.snapshots).isEmpty();
        assertThatThrownBy(() -> c.status("a", false))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.NOT_FOUND));
    }

    @Test
    void aFailedInfraStartLeavesTheSandboxAsCreatedWithNothingOfIt() throws Exception {
        PodSandboxController c = open();
        c.create(pod("a", NamespaceMode.CONTAINER));
        fake.failStart = BerthException.invalidArgument("no such user");
        assertThatThrownBy(() -> c.start("a")).hasMessageContaining("infra container from registry.k8s.io/pause:3.10");
        assertThat(fake.containers).isEmpty();
        assertThat(fake.snapshots).isEmpty();
        assertThat(c.status("a", false).state()).isEqualTo(SandboxState.NOTREADY);
    }

    @Test
    void aPodNamingAMissingRuntimeIsRefusedAtCreate() throws Exception {
        PodSandboxController c = open();
        SandboxConfig bad = pod("a", NamespaceMode.CONTAINER).withInfra(new dev.berth.core.sandbox.InfraContainer(
                "p", "id", "overlayfs", "chain", null, "kata", ""));
        assertThatThrownBy(() -> c.create(bad))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION))
                .hasMessageContaining("plugin \"kata\"");
        assertThat(c.list()).isEmpty();
    }

    @Test
    void aRestartKeepsARunningInfraContainerAndReleasesADeadOrHalfMadeOne() throws Exception {
        PodSandboxController c = open();
        for (String id : List.of("alive", "dead")) {
            c.create(pod(id, NamespaceMode.POD));
            c.start(id);
        }
        fake.containers.put("dead", ContainerState.EXITED);
        // a daemon killed while it started "half": its container exists, its record says STARTING
        c.create(pod("half", NamespaceMode.CONTAINER));
        fake.snapshots.put("sandbox-half", dev.berth.core.snapshot.Kind.ACTIVE);
        fake.containers.put("half", ContainerState.CREATED);
        controller.close();
        controller = null;
        SandboxStore store = new SandboxStore(dir.resolve("root/sandboxes.db"));
        store.put(store.get("half").withPhase(SandboxRecord.Phase.STARTING));
        // and an infra snapshot whose sandbox is gone altogether
        fake.snapshots.put("sandbox-gone", dev.berth.core.snapshot.Kind.ACTIVE);
        store.close();
        fake.calls.clear();

        PodSandboxController again = open();
        assertThat(again.status("alive", false).state()).isEqualTo(SandboxState.READY);
        assertThat(again.status("alive", false).info()).containsEntry(SandboxStatus.INFO_PID_NS, "/proc/4242/ns/pid");
        assertThat(again.status("dead", false).state()).isEqualTo(SandboxState.NOTREADY);
        assertThat(again.status("half", false).state()).isEqualTo(SandboxState.NOTREADY);
        assertThat(fake.containers).containsOnlyKeys("alive", "dead");
        assertThat(fake.snapshots).containsOnlyKeys("sandbox-alive", "sandbox-dead");
        assertThat(fake.calls).contains("stop dead SIGTERM 0s", "delete half", "remove sandbox-half", "remove sandbox-gone");
        assertThat(Map.copyOf(fake.containers)).containsEntry("alive", ContainerState.RUNNING);
    }
}
