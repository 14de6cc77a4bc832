package dev.berth.cri.snapshots;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.plugin.PluginInfo;
import dev.berth.core.plugin.PluginState;
import dev.berth.core.plugin.PluginTypes;
import dev.berth.core.snapshot.Snapshotter;
import dev.berth.cri.sandboxes.RuntimeHandlers;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SnapshottersTest {
    private static final Snapshotter OVERLAY = fake();
    private static final Snapshotter NATIVE = fake();

    @Test
    void aHandlerWithoutItsOwnUsesTheDefaultAndOneWithItsOwnUsesThat() {
        Snapshotters s = from("runtimes { fast {}, copy { snapshotter = native }, same { snapshotter = \"\" } }",
                Map.of("overlayfs", OVERLAY, "native", NATIVE), List.of());

        assertThat(s.idOf(s.handler(""))).isEqualTo("overlayfs");
        assertThat(s.of(s.handler("fast"))).isSameAs(OVERLAY);
        assertThat(s.of(s.handler("same"))).isSameAs(OVERLAY);
        assertThat(s.of(s.handler("copy"))).isSameAs(NATIVE);
        assertThat(s.inUse()).containsExactly("overlayfs", "native");
        assertThat(s.running().keySet()).first().isEqualTo("overlayfs");
    }

    @Test
    void aSnapshotterNoHandlerUsesRunsButIsNotInUse() {
        Snapshotters s = from("runtimes {}", Map.of("native", NATIVE, "overlayfs", OVERLAY), List.of());

        assertThat(s.inUse()).containsExactly("overlayfs");
        assertThat(s.running()).containsOnlyKeys("overlayfs", "native");
    }

    @Test
    void aHandlerWhoseSnapshotterIsNotInstalledFailsNamingTheKeyWhileOthersWork() {
        Snapshotters s = from("runtimes { copy { snapshotter = natve } }", Map.of("overlayfs", OVERLAY), List.of());

        assertThatThrownBy(() -> s.of(s.handler("copy")))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION))
                .hasMessage("runtime handler \"copy\": runtimes.copy.snapshotter is \"natve\", but no plugin"
                        + " io.berth.snapshotter.v1.natve is installed (running: overlayfs)");
        assertThat(s.of(s.handler("runc"))).isSameAs(OVERLAY);
        assertThat(s.inUse()).containsExactly("overlayfs");
    }

    @Test
    void aSnapshotterPluginThatFailedIsReportedWithItsReason() {
        PluginInfo failed = new PluginInfo(PluginTypes.SNAPSHOTTER, "native", PluginState.ERROR, "reflink: want auto, always"
                + " or never", List.of(), "/var/lib/berth/plugins/native");
        Snapshotters s = from("runtimes { copy { snapshotter = native } }", Map.of("overlayfs", OVERLAY), List.of(failed));

        assertThatThrownBy(() -> s.of(s.handler("copy")))
                .hasMessageContaining("runtimes.copy.snapshotter is \"native\", but plugin io.berth.snapshotter.v1.native is"
                        + " error: reflink: want auto, always or never");
    }

    @Test
    void whenTheDefaultIsNotRunningHandlersUsingItNameTheDefaultKey() {
        Snapshotters s = from("runtimes { copy { snapshotter = native } }", Map.of("native", NATIVE), List.of());

        assertThatThrownBy(() -> s.of(s.handler("")))
                .hasMessageStartingWith("runtime handler \"runc\": snapshotter is \"overlayfs\", but no plugin");
        assertThat(s.of(s.handler("copy"))).isSameAs(NATIVE);
        assertThat(s.inUse()).containsExactly("native");
    }

    @Test
    void badValuesAreRefusedNamingTheKey() {
        assertThatThrownBy(() -> from("runtimes { copy { snapshotter = [a] } }", Map.of(), List.of()))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
                .hasMessageStartingWith("runtimes.copy.snapshotter: want the id of an io.berth.snapshotter.v1 plugin");
        assertThatThrownBy(() -> Snapshotters.from(ConfigFactory.parseString("snapshotter = \"\""),
                RuntimeHandlers.from(ConfigFactory.empty()), Map.of(), List.of()))
                .hasMessageStartingWith("snapshotter must name an io.berth.snapshotter.v1 plugin");
    }

    @Test
    void unknownHandlersAreInvalidArgument() {
        Snapshotters s = from("runtimes {}", Map.of("overlayfs", OVERLAY), List.of());
        assertThatThrownBy(() -> s.handler("kata"))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT));
    }

    private static Snapshotters from(String hocon, Map<String, Snapshotter> running, List<PluginInfo> plugins) {
        Config c = ConfigFactory.parseString(hocon).withFallback(ConfigFactory.parseString(
                "snapshotter = overlayfs, default_runtime_name = runc"));
        return Snapshotters.from(c, RuntimeHandlers.from(c), running, plugins);
    }

    private static Snapshotter fake() {
        return (Snapshotter) Proxy.newProxyInstance(Snapshotter.class.getClassLoader(), new Class<?>[] {Snapshotter.class},
                (proxy, m, args) -> m.getName().equals("toString") ? "fake" : null);
    }
}
