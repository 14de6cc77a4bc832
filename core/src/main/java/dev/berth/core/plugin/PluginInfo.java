package dev.berth.core.plugin;

import java.util.List;

/**
 * What the daemon knows of one plugin after startup.
 *
 * @param origin "builtin" or the plugin directory the jar came from
 * @param reason why it is skipped or failed; empty when ok
 */
public record PluginInfo(String type, String id, PluginState state, String reason, List<Requirement> requires, String origin) {
    /**
     * The type under which a plugin directory that was not loaded at all is listed (its id is the directory name):
     * its jars declare an SPI version this berthd cannot serve, or cannot be read.
     */
    public static final String PLUGIN_DIR = "plugin_dir";

    public String fullName() {
        return type + "." + id;
    }
}
