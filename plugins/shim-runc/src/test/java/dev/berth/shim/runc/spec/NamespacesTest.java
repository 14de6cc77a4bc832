package dev.berth.shim.runc.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.sandbox.NamespaceMode;
import dev.berth.core.sandbox.UserNamespace;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NamespacesTest {
    @TempDir
    Path dir;
    Path rootfs;
    final SpecFixture f = new SpecFixture();

    @BeforeEach
    void setUp() throws Exception {
        rootfs = SpecFixture.rootfs(dir);
    }

    /** type → path ("" for a new namespace). */
    private Map<String, String> namespaces() {
        Map<String, String> out = new LinkedHashMap<>();
        for (JsonElement e : f.build(rootfs).getAsJsonObject("linux").getAsJsonArray("namespaces")) {
            JsonObject ns = e.getAsJsonObject();
            out.put(ns.get("type").getAsString(), ns.has("path") ? ns.get("path").getAsString() : "");
        }
        return out;
    }

    @Test
    void containerPidModeJoinsPodNamespacesAndMakesNewOnes() {
        assertThat(namespaces()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "pid", "", "network", "/var/run/netns/pod1", "uts", "/proc/42/ns/uts", "ipc", "/proc/42/ns/ipc",
                "mount", ""));
    }

    @Test
    void emptyPodPathsMeanNewNamespaces() {
        f.netnsPath = "";
        f.ipcnsPath = "";
        f.utsnsPath = "";
        assertThat(namespaces()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "pid", "", "network", "", "uts", "", "ipc", "", "mount", ""));
    }

    @Test
    void aPodUserNamespaceIsJoinedFirstWithItsMappings() {
        f.usernsPath = "/run/berth/userns/sb1";
        f.userns = new UserNamespace(List.of(new UserNamespace.IdMapping(0, 196608, 65536)),
                List.of(new UserNamespace.IdMapping(0, 196608, 65536), new UserNamespace.IdMapping(65536, 7, 1)));
        assertThat(namespaces().entrySet().iterator().next()).as("runc joins the user namespace before the others")
                .isEqualTo(Map.entry("user", "/run/berth/userns/sb1"));
        JsonObject linux = f.build(rootfs).getAsJsonObject("linux");
        assertThat(linux.getAsJsonArray("uidMappings").toString())
                .isEqualTo("[{\"containerID\":0,\"hostID\":196608,\"size\":65536}]");
        assertThat(linux.getAsJsonArray("gidMappings")).hasSize(2);
    }

    @Test
    void withoutAPodUserNamespaceThereIsNoneAndNoMappings() {
        assertThat(namespaces()).doesNotContainKey("user");
        assertThat(f.build(rootfs).getAsJsonObject("linux").has("uidMappings")).isFalse();
    }

    @Test
    void nodePidModeLeavesPidOut() {
        f.pidMode = NamespaceMode.NODE;
        assertThat(namespaces()).doesNotContainKey("pid");
    }

    @Test
    void podPidModeJoinsThePodsPidNamespace() {
        f.pidMode = NamespaceMode.POD;
        f.pidnsPath = "/proc/42/ns/pid";
        assertThat(namespaces()).containsEntry("pid", "/proc/42/ns/pid");
    }

    @Test
    void podPidModeWithoutInfraIsRefused() {
        f.pidMode = NamespaceMode.POD;
        assertThatThrownBy(this::namespaces)
                .hasMessageStartingWith("linux.security_context.namespace_options.pid = POD (one pid namespace for the pod) needs an infra process");
    }

    @Test
    void targetPidModeJoinsTheTargetsNamespace() {
        f.pidMode = NamespaceMode.TARGET;
        f.pidTargetId = "other";
        f.pidOfContainer = id -> id.equals("other") ? 4321L : null;
        assertThat(namespaces()).containsEntry("pid", "/proc/4321/ns/pid");
    }

    @Test
    void targetThatDoesNotRunIsNotFound() {
        f.pidMode = NamespaceMode.TARGET;
        f.pidTargetId = "gone";
        assertThatThrownBy(this::namespaces).isInstanceOf(BerthException.class).hasMessageContaining("gone")
                .extracting(e -> ((BerthException) e).kind()).isEqualTo(ErrorKind.NOT_FOUND);
    }

    @Test
    void hostNetworkLeavesNetworkAndUtsOutAndSetsNoHostname() {
        f.hostNetwork = true;
        assertThat(namespaces()).doesNotContainKeys("network", "uts").containsKey("ipc");
        assertThat(f.build(rootfs).has("hostname")).isFalse();
    }

    @Test
    void hostIpcLeavesIpcOut() {
        f.hostIpc = true;
        assertThat(namespaces()).doesNotContainKey("ipc").containsKey("network");
    }

    @Test
    void cgroupNamespaceOnlyOnV2() {
        assertThat(namespaces()).doesNotContainKey("cgroup");
        f.defaults = new SpecDefaults(false, true, -1000, "/berth");
        assertThat(namespaces()).containsEntry("cgroup", "");
    }
}
