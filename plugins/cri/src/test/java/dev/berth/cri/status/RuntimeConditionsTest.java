package dev.berth.cri.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.api.cri.v1.RuntimeCondition;
import dev.berth.core.plugin.PluginInfo;
import dev.berth.core.plugin.PluginState;
import dev.berth.core.plugin.PluginTypes;
import dev.berth.core.sandbox.NetworkReadiness;
import java.util.List;
import org.junit.jupiter.api.Test;

class RuntimeConditionsTest {
    private static PluginInfo p(String type, String id, PluginState state, String reason) {
        return new PluginInfo(type, id, state, reason, List.of(), "builtin");
    }

    @Test
    void notReadyWhenNothingIsInstalled() {
        List<RuntimeCondition> c = new RuntimeConditions(List::of, NetworkReadiness::ok).conditions();
        assertThat(c).extracting(RuntimeCondition::getType).containsExactly("RuntimeReady", "NetworkReady");
        assertThat(c).extracting(RuntimeCondition::getStatus).containsOnly(false);
        assertThat(c.get(0).getMessage()).isEqualTo("no io.berth.runtime.v2 plugin is installed");
        assertThat(c.get(1).getReason()).isEqualTo("NetworkPluginNotReady");
    }

    @Test
    void notReadyNamesTheFailedPluginAndWhy() {
        List<RuntimeCondition> c = new RuntimeConditions(() -> List.of(
                p(PluginTypes.RUNTIME, "runc", PluginState.ERROR, "runc not found in PATH"),
                p(PluginTypes.SANDBOX_CONTROLLER, "podsandbox", PluginState.OK, "")), NetworkReadiness::ok).conditions();
        assertThat(c.get(0).getStatus()).isFalse();
        assertThat(c.get(0).getMessage()).isEqualTo("no io.berth.runtime.v2 plugin is running: io.berth.runtime.v2.runc is error (runc not found in PATH)");
        assertThat(c.get(1).getStatus()).isTrue();
        assertThat(c.get(1).getReason()).isEmpty();
    }

    @Test
    void readyWhenRuntimeAndSandboxControllerRun() {
        List<RuntimeCondition> c = new RuntimeConditions(() -> List.of(
                p(PluginTypes.RUNTIME, "runc", PluginState.OK, ""),
                p(PluginTypes.SANDBOX_CONTROLLER, "podsandbox", PluginState.OK, "")), NetworkReadiness::ok).conditions();
        assertThat(c).extracting(RuntimeCondition::getStatus).containsOnly(true);
    }

    @Test
    void networkIsNotReadyWhileTheDefaultControllerCannotNetworkPods() {
        List<RuntimeCondition> c = new RuntimeConditions(() -> List.of(
                p(PluginTypes.RUNTIME, "runc", PluginState.OK, ""),
                p(PluginTypes.SANDBOX_CONTROLLER, "podsandbox", PluginState.OK, "")),
                () -> NetworkReadiness.notReady("no network config in /etc/cni/net.d")).conditions();
        assertThat(c.get(0).getStatus()).isTrue();
        assertThat(c.get(1).getStatus()).isFalse();
        assertThat(c.get(1).getReason()).isEqualTo("NetworkPluginNotReady");
        assertThat(c.get(1).getMessage()).isEqualTo("no network config in /etc/cni/net.d");
    }

    @Test
    void networkReadinessIsNotAskedWhenNoControllerRuns() {
        List<RuntimeCondition> c = new RuntimeConditions(() -> List.of(
                p(PluginTypes.SANDBOX_CONTROLLER, "podsandbox", PluginState.ERROR, "boom")),
                () -> { throw new AssertionError("asked"); }).conditions();
        assertThat(c.get(1).getMessage()).isEqualTo("no io.berth.sandbox.controller.v1 plugin is running: "
                + "io.berth.sandbox.controller.v1.podsandbox is error (boom)");
    }
}
