package dev.berth.snapshot.overlay;

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

class OverlayPluginTest {
    private static final String NAME = "io.berth.snapshotter.v1.overlayfs";

    @TempDir
    Path dir;

    @Test
    void referenceConfHasTheSection() {
        assertThat(ConfigFactory.defaultReference().hasPathOrNull("plugins.\"" + NAME + "\"")).isTrue();
    }

    @Test
    void foundByServiceLoaderAndStartedAndClosedByTheRegistry() throws Exception {
        List<DiscoveredPlugin> found = ServiceLoader.load(PluginProvider.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(p -> p instanceof OverlayPlugin)
                .flatMap(p -> p.registrations().stream())
                .map(r -> new DiscoveredPlugin(r, "builtin"))
                .toList();
        assertThat(found).extracting(d -> d.registration().fullName()).containsExactly(NAME);

        Config section = ConfigFactory.defaultReference().getConfig("plugins.\"" + NAME + "\"");
        PluginRegistry registry = new PluginRegistry(new InitEnvironment(dir.resolve("root"), dir.resolve("state"),
                name -> section, Set.of(), Set.of(NAME), null, new Metrics()));
        registry.start(found);
        assertThat(registry.plugins()).extracting(PluginInfo::state).containsExactly(PluginState.OK);
        Snapshotter sn = registry.instances(PluginTypes.SNAPSHOTTER, Snapshotter.class).get("overlayfs");
        sn.prepare("a", null, Map.of());
        assertThat(dir.resolve("root/" + NAME + "/metadata.db")).isRegularFile();
        assertThat(sn.activeDir("a")).isDirectory().startsWith(dir.resolve("root/" + NAME + "/snapshots"));

        registry.close();
        assertThatThrownBy(() -> sn.stat("a")).isInstanceOf(BerthException.class).hasMessageContaining("closed");
    }
}
