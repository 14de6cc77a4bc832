package dev.berth.core.daemon;

import dev.berth.core.plugin.PluginProvider;
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
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds plugins: the built-ins on the daemon's class path, and one isolated class loader per directory under
 * {@code plugin_dir} holding a plugin's jars. Both are listed by {@link ServiceLoader}, nothing is scanned.
 */
public final class PluginDiscovery {
    private static final Logger LOG = LoggerFactory.getLogger(PluginDiscovery.class);

    private final ClassLoader builtin;
    private final List<PluginClassLoader> external;

    private PluginDiscovery(ClassLoader builtin, List<PluginClassLoader> external) {
        this.builtin = builtin;
        this.external = external;
    }

    /** Prepares class loaders for the built-ins and for every sub-directory of {@code pluginDir} (absent is fine). */
    public static PluginDiscovery of(Path pluginDir) {
        ClassLoader builtin = PluginDiscovery.class.getClassLoader();
        List<PluginClassLoader> external = new ArrayList<>();
        if (Files.isDirectory(pluginDir)) {
            try (Stream<Path> dirs = Files.list(pluginDir)) {
                for (Path dir : dirs.filter(Files::isDirectory).sorted().toList()) {
                    URL[] jars = jars(dir);
                    if (jars.length == 0) {
                        LOG.warn("plugin directory {} holds no jar; ignored", dir);
                        continue;
                    }
                    external.add(new PluginClassLoader(dir.toString(), jars, builtin));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list plugin_dir " + pluginDir, e);
            }
        }
        return new PluginDiscovery(builtin, external);
    }

    private static URL[] jars(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            List<URL> urls = new ArrayList<>();
            for (Path jar : files.filter(f -> f.toString().endsWith(".jar")).sorted().toList()) {
                try {
                    urls.add(jar.toUri().toURL());
                } catch (MalformedURLException e) {
                    throw new IOException(e);
                }
            }
            return urls.toArray(URL[]::new);
        }
    }

    /** Every class loader whose reference.conf contributes to the config schema. */
    public List<ClassLoader> classLoaders() {
        List<ClassLoader> all = new ArrayList<>();
        all.add(builtin);
        all.addAll(external);
        return all;
    }

    /**
     * Every registration, built-ins first. A plugin directory whose providers cannot even be listed (bad jar,
     * missing class) is reported by the returned error list and contributes nothing.
     */
    public List<DiscoveredPlugin> discover(List<String> errors) {
        List<DiscoveredPlugin> found = new ArrayList<>();
        for (PluginProvider p : ServiceLoader.load(PluginProvider.class, builtin)) {
            add(found, p, "builtin");
        }
        for (PluginClassLoader loader : external) {
            try {
                for (PluginProvider p : ServiceLoader.load(PluginProvider.class, loader)) {
                    if (p.getClass().getClassLoader() == loader) {
                        add(found, p, loader.getName());
                    }
                }
            } catch (Throwable e) { // ServiceConfigurationError, LinkageError: a broken jar must not stop the node
                errors.add(loader.getName() + ": " + e);
                LOG.error("plugin directory {} cannot be loaded", loader.getName(), e);
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
