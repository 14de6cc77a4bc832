package dev.berth.cri.sandboxes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.api.cri.v1.ListPodSandboxRequest;
import dev.berth.api.cri.v1.PodSandbox;
import dev.berth.api.cri.v1.PodSandboxFilter;
import dev.berth.api.cri.v1.PodSandboxState;
import dev.berth.api.cri.v1.PodSandboxStateValue;
import dev.berth.api.cri.v1.PodSandboxStatusRequest;
import dev.berth.api.cri.v1.PodSandboxStatusResponse;
import dev.berth.api.cri.v1.RunPodSandboxRequest;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.sandbox.InfraContainer;
import dev.berth.core.sandbox.NetworkReadiness;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PodSandboxesTest {
    final FakeSandboxController podsandbox = new FakeSandboxController();
    final AtomicInteger next = new AtomicInteger();
    final RuntimeHandlers handlers = new RuntimeHandlers(Map.of("kata", new RuntimeHandler("kata", "vm", "runc")), "runc");
    final PodSandboxes sandboxes = new PodSandboxes(handlers, Map.of("podsandbox", podsandbox),
            () -> String.format("%02x", next.incrementAndGet()).repeat(32), Clock.fixed(Instant.ofEpochSecond(5), ZoneOffset.UTC));

    static RunPodSandboxRequest run(String name, String handler) {
        return RunPodSandboxRequest.newBuilder().setConfig(SandboxConversionTest.pod(name).putLabels("app", name))
                .setRuntimeHandler(handler).build();
    }

    @Test
    void runCreatesAndStartsWithTheDefaultHandler() {
        String id = sandboxes.run(run("web", "")).getPodSandboxId();
        assertThat(id).matches("[0-9a-f]{64}");
        assertThat(podsandbox.calls).containsExactly("create " + id, "start " + id);
        assertThat(podsandbox.configs.get(id).runtimeHandler()).isEqualTo("runc");
        assertThat(podsandbox.configs.get(id).labels()).containsEntry("app", "web");
    }

    @Test
    void generatedIdsAre64Hex() {
        assertThat(dev.berth.cri.Ids.random()).matches("[0-9a-f]{64}").isNotEqualTo(dev.berth.cri.Ids.random());
    }

    @Test
    void aFailedStartLeavesNothingBehind() {
        podsandbox.failStart = BerthException.failedPrecondition("no network config in /x");
        assertThatThrownBy(() -> sandboxes.run(run("web", "")))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION))
                .hasMessage("no network config in /x");
        String id = "01".repeat(32);
        assertThat(podsandbox.calls).containsExactly("create " + id, "start " + id, "shutdown " + id);
        assertThat(podsandbox.configs).isEmpty();
        // and the same pod can be run again
        podsandbox.failStart = null;
        assertThat(sandboxes.run(run("web", "")).getPodSandboxId()).isEqualTo("02".repeat(32));
    }

    @Test
    void aHandlerInImageModeGivesItsPodsTheInfraContainerAndAFailedPullMakesNothing() {
        RuntimeHandlers withImage = new RuntimeHandlers(Map.of("pause", new RuntimeHandler("pause", "podsandbox", "runc",
                "crun", RuntimeHandler.PodInfra.IMAGE)), "runc");
        java.util.List<String> asked = new java.util.ArrayList<>();
        RuntimeException[] pullFails = {null};
        PodSandboxes s = new PodSandboxes(withImage, Map.of("podsandbox", podsandbox), h -> {
            asked.add(h.name());
            if (pullFails[0] != null) {
                throw pullFails[0];
            }
            return new InfraContainer("registry.k8s.io/pause:3.10", "sha256:c", "overlayfs", "chain", null, h.runtime(),
                    h.runtimePath());
        }, () -> String.format("%02x", next.incrementAndGet()).repeat(32), Clock.systemUTC());

        String plain = s.run(run("plain", "")).getPodSandboxId();
        assertThat(podsandbox.configs.get(plain).infra()).isNull();
        assertThat(asked).isEmpty();

        String paused = s.run(run("paused", "pause")).getPodSandboxId();
        assertThat(asked).containsExactly("pause");
        assertThat(podsandbox.configs.get(paused).infra()).isEqualTo(new InfraContainer("registry.k8s.io/pause:3.10",
                "sha256:c", "overlayfs", "chain", null, "runc", "crun"));

        pullFails[0] = BerthException.failedPrecondition("cannot pull sandbox_image x: manifest unknown");
        podsandbox.calls.clear();
        assertThatThrownBy(() -> s.run(run("again", "pause")))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION))
                .hasMessage("cannot pull sandbox_image x: manifest unknown");
        assertThat(podsandbox.calls).isEmpty();
        // without a sandbox image service, image mode is refused the same way
        assertThatThrownBy(() -> new PodSandboxes(withImage, Map.of("podsandbox", podsandbox)).run(run("x", "pause")))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION))
                .hasMessageContaining("pod_infra = \"image\"");
        assertThat(podsandbox.calls).isEmpty();
    }

    @Test
    void aRemovedSandboxStillCountsAsOneForItsInfraContainersLateEvents() {
        String id = sandboxes.run(run("web", "")).getPodSandboxId();
        assertThat(sandboxes.isSandbox(id)).isTrue();
        assertThat(sandboxes.isSandbox("ff".repeat(32))).isFalse();
        sandboxes.remove(id);
        assertThat(podsandbox.configs).isEmpty();
        assertThat(sandboxes.isSandbox(id)).isTrue();
    }

    @Test
    void unknownHandlerIsInvalidArgumentAndAMissingSandboxerIsFailedPrecondition() {
        assertThatThrownBy(() -> sandboxes.run(run("web", "nope")))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
                .hasMessage("unknown runtime handler \"nope\"; configured: runc, kata");
        assertThatThrownBy(() -> sandboxes.run(run("web", "kata")))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION))
                .hasMessage("runtime handler \"kata\" uses sandboxer \"vm\", but no io.berth.sandbox.controller.v1 plugin "
                        + "\"vm\" is running (running: podsandbox)");
        assertThat(podsandbox.calls).isEmpty();
    }

    @Test
    void stopAndRemoveAreIdempotentAndAbsentSandboxesAreNoError() {
        String id = sandboxes.run(run("web", "")).getPodSandboxId();
        sandboxes.stop(id);
        sandboxes.stop(id);
        assertThat(status(id).getStatus().getState()).isEqualTo(PodSandboxState.SANDBOX_NOTREADY);
        sandboxes.remove(id);
        sandboxes.remove(id);
        sandboxes.stop(id);
        assertThat(podsandbox.configs).isEmpty();
        assertThatThrownBy(() -> status(id))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.NOT_FOUND))
                .hasMessage("sandbox " + id + " not found");
    }

    @Test
    void statusAndRemoveAcceptAUniqueIdPrefix() {
        String id = sandboxes.run(run("web", "")).getPodSandboxId();
        String prefix = id.substring(0, 63);
        assertThat(status(prefix).getStatus().getId()).isEqualTo(id);
        sandboxes.run(run("api", ""));
        assertThatThrownBy(() -> status("0"))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
                .hasMessageContaining("ambiguous");
        sandboxes.remove(prefix);
        assertThat(podsandbox.configs).doesNotContainKey(id);
    }

    @Test
    void statusIsTheCriViewAndVerboseAddsInfo() {
        String id = sandboxes.run(run("web", "")).getPodSandboxId();
        PodSandboxStatusResponse r = sandboxes.status(PodSandboxStatusRequest.newBuilder().setPodSandboxId(id).setVerbose(true).build());
        assertThat(r.getStatus().getState()).isEqualTo(PodSandboxState.SANDBOX_READY);
        assertThat(r.getStatus().getNetwork().getIp()).isEqualTo("10.0.0.2");
        assertThat(r.getStatus().getMetadata().getName()).isEqualTo("web");
        assertThat(r.getStatus().getRuntimeHandler()).isEqualTo("runc");
        assertThat(r.getTimestamp()).isEqualTo(5_000_000_000L);
        assertThat(r.getInfoMap()).containsOnlyKeys("info");
        assertThat(r.getInfoMap().get("info")).contains("\"sandboxer\": \"podsandbox\"", "\"cniVersion\": \"1.0.0\"");
        assertThat(status(id).getInfoMap()).isEmpty();
    }

    @Test
    void listFiltersByIdStateAndLabels() {
        String a = sandboxes.run(run("a", "")).getPodSandboxId();
        String b = sandboxes.run(run("b", "")).getPodSandboxId();
        sandboxes.stop(b);
        assertThat(list(PodSandboxFilter.getDefaultInstance())).extracting(PodSandbox::getId).containsExactly(a, b);
        assertThat(list(PodSandboxFilter.newBuilder().setId(b.substring(0, 63)).build())).extracting(PodSandbox::getId).containsExactly(b);
        assertThat(list(PodSandboxFilter.newBuilder().setState(PodSandboxStateValue.newBuilder()
                .setState(PodSandboxState.SANDBOX_READY)).build())).extracting(PodSandbox::getId).containsExactly(a);
        assertThat(list(PodSandboxFilter.newBuilder().putLabelSelector("app", "b").build())).extracting(PodSandbox::getId).containsExactly(b);
        assertThat(list(PodSandboxFilter.newBuilder().putLabelSelector("app", "c").build())).isEmpty();
    }

    @Test
    void networkReadinessIsTheDefaultHandlersController() {
        assertThat(sandboxes.networkReadiness().ready()).isTrue();
        podsandbox.network = NetworkReadiness.notReady("no network config in /etc/cni/net.d");
        assertThat(sandboxes.networkReadiness()).isEqualTo(NetworkReadiness.notReady("no network config in /etc/cni/net.d"));
        PodSandboxes none = new PodSandboxes(handlers, Map.of());
        assertThat(none.networkReadiness().ready()).isFalse();
        assertThat(none.networkReadiness().reason()).contains("sandboxer \"podsandbox\"", "is running");
    }

    private PodSandboxStatusResponse status(String id) {
        return sandboxes.status(PodSandboxStatusRequest.newBuilder().setPodSandboxId(id).build());
    }

    private List<PodSandbox> list(PodSandboxFilter f) {
        return sandboxes.list(ListPodSandboxRequest.newBuilder().setFilter(f).build()).getItemsList();
    }

    @Test
    void aRetryWhileTheFirstRunIsInFlightJoinsItInsteadOfFailing() throws Exception {
        podsandbox.startGate = new java.util.concurrent.CountDownLatch(1);
        var pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            var first = pool.submit(() -> sandboxes.run(run("web", "")).getPodSandboxId());
            while (podsandbox.calls.isEmpty()) {
                Thread.sleep(5);
            }
            var retry = pool.submit(() -> sandboxes.run(run("web", "")).getPodSandboxId());
            Thread.sleep(50);
            podsandbox.startGate.countDown();
            assertThat(retry.get(5, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(first.get(5, java.util.concurrent.TimeUnit.SECONDS));
            assertThat(podsandbox.calls).filteredOn(c -> c.startsWith("create")).hasSize(1);
        } finally {
            pool.shutdownNow();
        }
    }
}
