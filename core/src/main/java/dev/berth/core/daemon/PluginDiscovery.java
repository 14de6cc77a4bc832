package dev.berth.core.daemon;

import dev.berth.core.plugin.PluginInfo;
import dev.berth.core.plugin.PluginProvider;
import dev.berth.core.plugin.PluginSpi;
import dev.berth.core.plugin.PluginState;
import dev.berth.core.plugin.Registration;
import dev.berth.core.registry.DiscoveredPlugin;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds plugins: the built-ins on the daemon's class path, and one isolated class loader per directory under
 * {@code plugin_dir} holding a plugin's jars. Both are listed by {@link ServiceLoader}, nothing is scanned.
 *
 * <p>A directory is only given a class loader when one of its jars declares, in its manifest, a plugin SPI version
 * this berthd can serve ({@link PluginSpi}); otherwise none of its classes is ever loaded and it is listed as
 * {@link PluginInfo#PLUGIN_DIR} {@code <name>}, skipped, with the reason.
 */
public final class PluginDiscovery {
    private static final Logger LOG = LoggerFactory.getLogger(PluginDiscovery.class);

    private final ClassLoader builtin;
    private final List<PluginClassLoader> external;
    private final List<PluginInfo> unloaded;

    private PluginDiscovery(ClassLoader builtin, List<PluginClassLoader> external, List<PluginInfo> unloaded) {
        this.builtin = builtin;
        this.external = external;
        this.unloaded = unloaded;
    }

    /** Prepares class loaders for the built-ins and for every sub-directory of {@code pluginDir} (absent is fine). */
    public static PluginDiscovery of(Path pluginDir) {
        return of(pluginDir, PluginSpi.CURRENT);
    }

    static PluginDiscovery of(Path pluginDir, PluginSpi spi) {
        ClassLoader builtin = PluginDiscovery.class.getClassLoader();
        List<PluginClassLoader> external = new ArrayList<>();
        List<PluginInfo> unloaded = new ArrayList<>();
        if (Files.isDirectory(pluginDir)) {
            try (Stream<Path> dirs = Files.list(pluginDir)) {
                for (Path dir : dirs.filter(Files::isDirectory).sorted().toList()) {
                    List<Path> jars = jars(dir);
                    if (jars.isEmpty()) {
                        LOG.warn("plugin directory {} holds no jar; ignored", dir);
                        continue;
                    }
                    PluginInfo rejected = checkSpi(dir, jars, spi);
                    if (rejected != null) {
                        LOG.error("plugin directory {} not loaded: {}", dir, rejected.reason());
                        unloaded.add(rejected);
                        continue;
                    }
                    external.add(new PluginClassLoader(dir.toString(), urls(jars), builtin));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list plugin_dir " + pluginDir, e);
            }
        }
        return new PluginDiscovery(builtin, external, unloaded);
    }

    private static List<Path> jars(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".jar") && Files.isRegularFile(f)).sorted().toList();
        }
    }

    private static URL[] urls(List<Path> jars) throws IOException {
        List<URL> urls = new ArrayList<>();
        for (Path jar : jars) {
            try {
                urls.add(jar.toUri().toURL());
            } catch (MalformedURLException e) {
                throw new IOException(e);
            }
        }
        return urls.toArray(URL[]::new);
    }

    /**
     * Null when the directory's jars may be loaded: at least one declares {@value PluginSpi#MANIFEST_ATTRIBUTE} and
     * every declaration is one {@code spi} can serve. Otherwise the entry that lists the directory, and why.
     */
    private static PluginInfo checkSpi(Path dir, List<Path> jars, PluginSpi spi) {
        boolean declared = false;
        for (Path jar : jars) {
            String value;
            try (JarFile f = new JarFile(jar.toFile(), false)) {
                Manifest m = f.getManifest();
                value = m == null ? null : m.getMainAttributes().getValue(PluginSpi.MANIFEST_ATTRIBUTE);
            } catch (IOException | SecurityException e) {
                return unloaded(dir, PluginState.ERROR, "cannot read " + jar.getFileName() + ": " + e.getMessage());
            }
            if (value == null) {
                continue; // a library the plugin bundles
            }
            declared = true;
            PluginSpi builtFor;
            try {
                builtFor = PluginSpi.parse(value);
            } catch (IllegalArgumentException e) {
                return unloaded(dir, PluginState.SKIPPED, jar.getFileName() + ": " + e.getMessage());
            }
            if (!spi.canLoad(builtFor)) {
                return unloaded(dir, PluginState.SKIPPED, jar.getFileName() + " was built for plugin SPI " + builtFor
                        + ", but this berthd provides " + spi + " (it loads plugins built for " + spi.major() + ".0 to "
                        + spi + ")");
            }
        }
        if (!declared) {
            return unloaded(dir, PluginState.SKIPPED, "no jar declares " + PluginSpi.MANIFEST_ATTRIBUTE
                    + " in its manifest (this berthd provides plugin SPI " + spi + ")");
        }
        return null;
    }

    private static PluginInfo unloaded(Path dir, PluginState state, String reason) {
        return new PluginInfo(PluginInfo.PLUGIN_DIR, dir.getFileName().toString(), state, reason, List.of(), dir.toString());
    }

    /** Every class loader whose reference.conf contributes to the config schema. */
    public List<ClassLoader> classLoaders() {
        List<ClassLoader> all = new ArrayList<>();
        all.add(builtin);
        all.addAll(external);
        return all;
    }

    /**
     * Every registration, built-ins first. A plugin directory that was not given a class loader, or whose providers
     * cannot even be listed (bad jar, missing class, a throwing {@code registrations()}), is added to
     * {@code unloaded} and contributes nothing.
     */
    public List<DiscoveredPlugin> discover(List<PluginInfo> unloaded) {
        unloaded.addAll(this.unloaded);
        List<DiscoveredPlugin> found = new ArrayList<>();
        for (PluginProvider p : ServiceLoader.load(PluginProvider.class, builtin)) {
            add(found, p, "builtin");
        }
        for (PluginClassLoader loader : external) {
            List<DiscoveredPlugin> own = new ArrayList<>();
            try {
                for (PluginProvider p : ServiceLoader.load(PluginProvider.class, loader)) {
                    if (p.getClass().getClassLoader() == loader) {
                        add(own, p, loader.getName());
                    }
                }
                found.addAll(own);
            } catch (Throwable e) { // ServiceConfigurationError, LinkageError: a broken jar must not stop the node
                LOG.error("plugin directory {} cannot be loaded", loader.getName(), e);
                unloaded.add(unloaded(Path.of(loader.getName()), PluginState.ERROR, e.toString()));
            }
        }
        return found;
    }

    private static void add(List<DiscoveredPlugin> found, PluginProvider p, String origin) {
        for (Registration r : p.registrations()) {
            found.add(new DiscoveredPlugin(r, origin));
        }
    }
}
