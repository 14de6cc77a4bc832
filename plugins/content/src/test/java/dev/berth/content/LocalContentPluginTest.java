package dev.berth.content;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.berth.core.content.ContentStore;
import dev.berth.core.content.Digest;
import dev.berth.core.content.Writer;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.metrics.Metrics;
import dev.berth.core.plugin.PluginInfo;
import dev.berth.core.plugin.PluginProvider;
import dev.berth.core.plugin.PluginState;
import dev.berth.core.plugin.PluginTypes;
import dev.berth.core.registry.DiscoveredPlugin;
import dev.berth.core.registry.InitEnvironment;
import dev.berth.core.registry.PluginRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalContentPluginTest {
    @TempDir
    Path dir;

    @Test
    void referenceConfHasTheSection() {
        Config ref = ConfigFactory.defaultReference();
        assertThat(ref.hasPathOrNull("plugins.\"io.berth.content.v1.local\"")).isTrue();
    }

    @Test
    void foundByServiceLoaderAndStartedAndClosedByTheRegistry() throws Exception {
        List<DiscoveredPlugin> found = ServiceLoader.load(PluginProvider.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(p -> p instanceof LocalContentPlugin)
                .flatMap(p -> p.registrations().stream())
                .map(r -> new DiscoveredPlugin(r, "builtin"))
                .toList();
        assertThat(found).extracting(d -> d.registration().fullName()).containsExactly("io.berth.content.v1.local");

        Config section = ConfigFactory.defaultReference().getConfig("plugins.\"io.berth.content.v1.local\"");
        PluginRegistry registry = new PluginRegistry(new InitEnvironment(dir.resolve("root"), dir.resolve("state"),
                name -> section, Set.of(), Set.of("io.berth.content.v1.local"), null, new Metrics()));
        registry.start(found);
        assertThat(registry.plugins()).extracting(PluginInfo::state).containsExactly(PluginState.OK);
        ContentStore store = registry.instances(PluginTypes.CONTENT, ContentStore.class).get("local");
        byte[] data = "via the registry".getBytes(StandardCharsets.UTF_8);
        try (Writer w = store.writer("r", data.length, null)) {
            w.write(ByteBuffer.wrap(data));
            w.commit(data.length, Digest.sha256(data), Map.of());
        }
        assertThat(dir.resolve("root/io.berth.content.v1.local/blobs/sha256/" + Digest.sha256(data).hex())).isRegularFile();
        assertThat(dir.resolve("root/io.berth.content.v1.local/meta.db")).isRegularFile();

        registry.close();
        assertThatThrownBy(() -> store.info(Digest.sha256(data))).isInstanceOf(BerthException.class).hasMessageContaining("closed");
    }
}
