package dev.berth.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.berth.core.metrics.Metrics;
import dev.berth.core.plugin.PluginInfo;
import dev.berth.core.plugin.PluginProvider;
import dev.berth.core.plugin.PluginState;
import dev.berth.core.plugin.PluginTypes;
import dev.berth.core.registry.DiscoveredPlugin;
import dev.berth.core.registry.InitEnvironment;
import dev.berth.core.registry.PluginRegistry;
import dev.berth.core.sandbox.SandboxController;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PodSandboxPluginTest {
    static final String NAME = "io.berth.sandbox.controller.v1.podsandbox";

    @TempDir
    Path dir;

    @Test
    void referenceConfDefaults() {
        PodSandboxSettings s = PodSandboxSettings.from(ConfigFactory.defaultReference().getConfig("plugins.\"" + NAME + "\""));
        assertThat(s.cniConfDir()).isEqualTo(Path.of("/etc/cni/net.d"));
        assertThat(s.cniBinDirs()).containsExactly(Path.of("/usr/lib/cni"), Path.of("/opt/cni/bin"));
        assertThat(s.shmSizeBytes()).isEqualTo(64L << 20);
        assertThat(s.cniTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(s.cniConfTemplate()).isNull();
    }

    @Test
    void foundByServiceLoaderAndStartedByTheRegistry() throws Exception {
        List<DiscoveredPlugin> found = ServiceLoader.load(PluginProvider.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(p -> p instanceof PodSandboxPlugin)
                .flatMap(p -> p.registrations().stream())
                .map(r -> new DiscoveredPlugin(r, "builtin"))
                .toList();
        assertThat(found).extracting(d -> d.registration().fullName()).containsExactly(NAME);
        Config section = ConfigFactory.parseString("cni_conf_dir = \"" + dir.resolve("none") + "\"")
                .withFallback(ConfigFactory.defaultReference().getConfig("plugins.\"" + NAME + "\""));
        try (PluginRegistry registry = new PluginRegistry(new InitEnvironment(dir.resolve("root"),
                dir.resolve("state"), name -> section, Set.of(), Set.of(NAME), null, new Metrics()))) {
            registry.start(found);
            assertThat(registry.plugins()).extracting(PluginInfo::state).containsExactly(PluginState.OK);
            SandboxController c = registry.instances(PluginTypes.SANDBOX_CONTROLLER, SandboxController.class)
                    .get(PodSandboxPlugin.ID);
            assertThat(c.list()).isEmpty();
            assertThat(c.networkReady().reason()).isEqualTo("no network config in " + dir.resolve("none"));
            assertThat(dir.resolve("root/" + NAME + "/sandboxes.db")).isRegularFile();
        }
    }
}
