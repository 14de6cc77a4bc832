package dev.berth.core.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.core.plugin.PluginInfo;
import dev.berth.core.plugin.PluginProvider;
import dev.berth.core.plugin.PluginSpi;
import dev.berth.core.plugin.PluginState;
import dev.berth.core.registry.DiscoveredPlugin;
import dev.berth.testplugin.HelloPlugin;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PluginDiscoveryTest {
    private static final String SERVICES = "META-INF/services/" + PluginProvider.class.getName();

    @TempDir
    Path plugins;

    /** Writes {@code plugins/<dir>/<name>} declaring {@code spi} (none if null) and holding {@code entries}. */
    private Path jar(String dir, String name, String spi, Map<String, byte[]> entries) throws IOException {
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (spi != null) {
            m.getMainAttributes().putValue(PluginSpi.MANIFEST_ATTRIBUTE, spi);
        }
        Path jar = Files.createDirectories(plugins.resolve(dir)).resolve(name);
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out, m)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                j.putNextEntry(new JarEntry(e.getKey()));
                j.write(e.getValue());
                j.closeEntry();
            }
        }
        return jar;
    }

    /** The compiled {@link HelloPlugin} and a service file naming it. */
    private static Map<String, byte[]> helloPlugin() throws IOException {
        String classFile = HelloPlugin.class.getName().replace('.', '/') + ".class";
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (InputStream in = HelloPlugin.class.getClassLoader().getResourceAsStream(classFile)) {
            entries.put(classFile, in.readAllBytes());
        }
        entries.put(SERVICES, (HelloPlugin.class.getName() + "\n").getBytes(StandardCharsets.UTF_8));
        return entries;
    }

    private static Map<String, PluginInfo> byId(List<PluginInfo> infos) {
        Map<String, PluginInfo> out = new LinkedHashMap<>();
        infos.forEach(i -> out.put(i.id(), i));
        return out;
    }

    @Test
    void compatiblePluginGetsItsOwnChildFirstClassLoader() throws Exception {
        jar("hello", "hello.jar", PluginSpi.CURRENT.toString(), helloPlugin());
        jar("hello", "lib.jar", null, Map.of("lib.txt", new byte[] {1})); // a bundled library declares nothing

        PluginDiscovery d = PluginDiscovery.of(plugins);
        List<PluginInfo> unloaded = new ArrayList<>();
        List<DiscoveredPlugin> found = d.discover(unloaded);

        assertThat(unloaded).isEmpty();
        assertThat(d.classLoaders()).hasSize(2);
        DiscoveredPlugin hello = found.stream().filter(p -> p.registration().id().equals("hello")).findFirst().orElseThrow();
        assertThat(hello.origin()).isEqualTo(plugins.resolve("hello").toString());
        // the class exists on the daemon's class path too (this test's), but the plugin's own copy wins ...
        Class<?> own = d.classLoaders().get(1).loadClass(HelloPlugin.class.getName());
        assertThat(own).isNotSameAs(HelloPlugin.class);
        assertThat(own.getClassLoader()).isSameAs(d.classLoaders().get(1));
        // ... while the SPI is the daemon's, or the plugin could not be used as a PluginProvider at all
        assertThat(d.classLoaders().get(1).loadClass(PluginProvider.class.getName())).isSameAs(PluginProvider.class);
    }

    @Test
    void incompatibleOrUndeclaredSpiIsSkippedWithoutLoadingAnything() throws IOException {
        jar("future", "future.jar", "999.0", helloPlugin());
        jar("newer-minor", "p.jar", PluginSpi.CURRENT.major() + "." + (PluginSpi.CURRENT.minor() + 1), helloPlugin());
        jar("undeclared", "p.jar", null, helloPlugin());
        jar("garbled", "p.jar", "one", helloPlugin());

        PluginDiscovery d = PluginDiscovery.of(plugins);
        List<PluginInfo> unloaded = new ArrayList<>();
        List<DiscoveredPlugin> found = d.discover(unloaded);

        assertThat(found).noneMatch(p -> p.registration().id().equals("hello"));
        assertThat(d.classLoaders()).hasSize(1);
        Map<String, PluginInfo> byId = byId(unloaded);
        assertThat(byId.keySet()).containsExactlyInAnyOrder("future", "newer-minor", "undeclared", "garbled");
        assertThat(byId.values()).allSatisfy(i -> {
            assertThat(i.type()).isEqualTo(PluginInfo.PLUGIN_DIR);
            assertThat(i.state()).isEqualTo(PluginState.SKIPPED);
            assertThat(i.origin()).isEqualTo(plugins.resolve(i.id()).toString());
        });
        assertThat(byId.get("future").reason())
                .isEqualTo("future.jar was built for plugin SPI 999.0, but this berthd provides " + PluginSpi.CURRENT
                        + " (it loads plugins built for " + PluginSpi.CURRENT.major() + ".0 to " + PluginSpi.CURRENT + ")");
        assertThat(byId.get("undeclared").reason()).contains("no jar declares Berth-Plugin-Spi");
        assertThat(byId.get("garbled").reason()).contains("p.jar", "\"one\"");
    }

    @Test
    void olderMinorOfTheSameMajorIsLoaded() throws IOException {
        jar("old", "p.jar", "1.2", helloPlugin());
        List<PluginInfo> unloaded = new ArrayList<>();
        List<DiscoveredPlugin> found = PluginDiscovery.of(plugins, new PluginSpi(1, 3)).discover(unloaded);
        assertThat(unloaded).isEmpty();
        assertThat(found).anyMatch(p -> p.registration().id().equals("hello"));
    }

    @Test
    void brokenJarsAreListedAsErrorsAndOtherDirectoriesStillLoad() throws IOException {
        jar("missing-class", "p.jar", PluginSpi.CURRENT.toString(),
                Map.of(SERVICES, "com.example.Nowhere\n".getBytes(StandardCharsets.UTF_8)));
        Files.writeString(Files.createDirectories(plugins.resolve("not-a-zip")).resolve("p.jar"), "not a jar");
        jar("hello", "hello.jar", PluginSpi.CURRENT.toString(), helloPlugin());
        Files.createDirectories(plugins.resolve("empty"));

        List<PluginInfo> unloaded = new ArrayList<>();
        List<DiscoveredPlugin> found = PluginDiscovery.of(plugins).discover(unloaded);

        Map<String, PluginInfo> byId = byId(unloaded);
        assertThat(byId.keySet()).containsExactlyInAnyOrder("missing-class", "not-a-zip");
        assertThat(byId.values()).extracting(PluginInfo::state).containsOnly(PluginState.ERROR);
        assertThat(byId.get("missing-class").reason()).contains("com.example.Nowhere");
        assertThat(byId.get("not-a-zip").reason()).startsWith("cannot read p.jar");
        assertThat(found).anyMatch(p -> p.origin().equals(plugins.resolve("hello").toString()));
    }

    @Test
    void absentPluginDirIsFine() {
        List<PluginInfo> unloaded = new ArrayList<>();
        PluginDiscovery d = PluginDiscovery.of(plugins.resolve("none"));
        d.discover(unloaded);
        assertThat(unloaded).isEmpty();
        assertThat(d.classLoaders()).hasSize(1);
    }
}
