package dev.berth.sample.nativesnapshotter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.metrics.Metrics;
import dev.berth.core.plugin.PluginInfo;
import dev.berth.core.plugin.PluginProvider;
import dev.berth.core.plugin.PluginState;
import dev.berth.core.plugin.PluginTypes;
import dev.berth.core.registry.DiscoveredPlugin;
import dev.berth.core.registry.InitEnvironment;
import dev.berth.core.registry.PluginRegistry;
import dev.berth.core.snapshot.Snapshotter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NativeSnapshotterPluginTest {
    private static final String NAME = "io.berth.snapshotter.v1.native";

    @TempDir
    Path dir;

    private static List<DiscoveredPlugin> found() {
        return ServiceLoader.load(PluginProvider.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(p -> p instanceof NativeSnapshotterPlugin)
                .flatMap(p -> p.registrations().stream())
                .map(r -> new DiscoveredPlugin(r, "/plugins/native"))
                .toList();
    }

    private PluginRegistry registry(Config section) {
        return new PluginRegistry(new InitEnvironment(dir.resolve("root"), dir.resolve("state"), name -> section,
                Set.of(), Set.of(), null, new Metrics()));
    }

    private static Config reference() {
        return ConfigFactory.defaultReference().getConfig("plugins.\"" + NAME + "\"");
    }

    @Test
    void foundByServiceLoaderAndStartedAndClosedByTheRegistry() throws Exception {
        assertThat(found()).extracting(d -> d.registration().fullName()).containsExactly(NAME);
        assertThat(reference().getString("reflink")).isEqualTo("auto");

        PluginRegistry registry = registry(reference());
        registry.start(found());
        assertThat(registry.plugins()).extracting(PluginInfo::state).containsExactly(PluginState.OK);
        Snapshotter sn = registry.instances(PluginTypes.SNAPSHOTTER, Snapshotter.class).get("native");
        sn.prepare("a", null, Map.of());
        assertThat(sn.activeDir("a")).isDirectory().startsWith(dir.resolve("root/" + NAME + "/snapshots"));

        registry.close();
        assertThatThrownBy(() -> sn.stat("a")).isInstanceOf(BerthException.class).hasMessageContaining("closed");
    }

    @Test
    void badReflinkModeFailsInitNamingTheKey() throws Exception {
        PluginRegistry registry = registry(ConfigFactory.parseMap(Map.of("reflink", "sometimes")));
        registry.start(found());
        assertThat(registry.plugins()).singleElement().satisfies(i -> {
            assertThat(i.state()).isEqualTo(PluginState.ERROR);
            assertThat(i.reason()).contains("plugins.\"" + NAME + "\".reflink", "\"sometimes\"");
        });
    }
}
