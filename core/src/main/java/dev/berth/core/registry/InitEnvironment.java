package dev.berth.core.registry;

import com.typesafe.config.Config;
import dev.berth.core.metrics.Metrics;
import dev.berth.core.plugin.DaemonInfo;
import java.nio.file.Path;
import java.util.Set;
import java.util.function.Function;

/**
 * What the registry needs from the daemon to start plugins.
 *
 * @param root            persistent root; each plugin gets {@code root/<type>.<id>}
 * @param state           volatile root; each plugin gets {@code state/<type>.<id>}
 * @param pluginConfig    the config section of a plugin, by full name
 * @param disabledPlugins full names never initialised
 * @param requiredPlugins full names without which the daemon must not start
 */
public record InitEnvironment(Path root, Path state, Function<String, Config> pluginConfig,
                              Set<String> disabledPlugins, Set<String> requiredPlugins,
                              DaemonInfo daemon, Metrics metrics) {
    public InitEnvironment {
        disabledPlugins = Set.copyOf(disabledPlugins);
        requiredPlugins = Set.copyOf(requiredPlugins);
    }
}
