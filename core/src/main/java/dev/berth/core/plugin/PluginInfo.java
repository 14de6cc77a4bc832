package dev.berth.core.plugin;

import java.util.List;

/**
 * What the daemon knows of one plugin after startup.
 *
 * @param origin "builtin" or the plugin directory the jar came from
 * @param reason why it is skipped or failed; empty when ok
 */
public record PluginInfo(String type, String id, PluginState state, String reason, List<Requirement> requires, String origin) {
    public String fullName() {
        return type + "." + id;
    }
}
