package dev.berth.testplugin;

import dev.berth.core.plugin.PluginProvider;
import dev.berth.core.plugin.Registration;
import java.util.List;

/**
 * A plugin for PluginDiscoveryTest, which packs this class into jars of its own. Outside {@code dev.berth.core}: the
 * SPI packages always come from the daemon, so a plugin class there would never be the plugin's own.
 */
public final class HelloPlugin implements PluginProvider {
    @Override
    public List<Registration> registrations() {
        return List.of(Registration.builder("io.berth.test.v1", "hello").init(ctx -> "hello"));
    }
}
