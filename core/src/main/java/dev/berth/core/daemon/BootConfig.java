package dev.berth.core.daemon;

import com.typesafe.config.ConfigFactory;
import dev.berth.config.ConfigLoader;
import dev.berth.config.LoadedConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The configuration the daemon boots with, and the plugin class loaders whose reference.conf files define it.
 * The file is read twice on purpose: the first pass (built-in schema only) finds {@code plugin_dir}, the second
 * validates against every plugin's schema.
 *
 * @param file the config file read, or null when the default path is absent and defaults apply
 */
public record BootConfig(Path file, LoadedConfig loaded, DaemonConfig daemon, PluginDiscovery discovery) {
    /** Where berthd looks when {@code --config} is not given. */
    public static final Path DEFAULT_FILE = Path.of("/etc/berth/config.toml");

    /**
     * @param file      the config file; when null, {@link #DEFAULT_FILE} if it exists, else built-in defaults
     * @param overrides dotted keys set from the command line, over the file
     * @throws dev.berth.config.ConfigException when the file is missing (if named), malformed or invalid
     */
    public static BootConfig load(Path file, Map<String, Object> overrides) {
        Path source = file != null ? file : Files.exists(DEFAULT_FILE) ? DEFAULT_FILE : null;
        LoadedConfig first = read(new ConfigLoader(List.of(BootConfig.class.getClassLoader())), source, overrides);
        PluginDiscovery discovery = PluginDiscovery.of(DaemonConfig.from(first.effective()).pluginDir());
        LoadedConfig full = discovery.classLoaders().size() == 1
                ? first // no third-party plugins: the built-in schema was the whole schema
                : read(new ConfigLoader(discovery.classLoaders()), source, overrides);
        return new BootConfig(source, full, DaemonConfig.from(full.effective()), discovery);
    }

    private static LoadedConfig read(ConfigLoader loader, Path source, Map<String, Object> overrides) {
        LoadedConfig c = source == null ? loader.defaults() : loader.load(source);
        if (overrides.isEmpty()) {
            return c;
        }
        return new LoadedConfig(ConfigFactory.parseMap(overrides, "command line").withFallback(c.effective()).resolve(), c.warnings());
    }
}
