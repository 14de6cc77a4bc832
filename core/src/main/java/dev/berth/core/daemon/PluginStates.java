package dev.berth.core.daemon;

import dev.berth.core.metrics.Metrics;
import dev.berth.core.plugin.PluginInfo;
import dev.berth.core.plugin.PluginState;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code berth_plugin_state{type,id,state}}: for each plugin one series per state, 1 for the state it is in and 0 for
 * the others (the Prometheus way to export an enum), so that an alert on {@code state="error"} needs no regex and a
 * plugin that recovers turns its old series to 0 instead of leaving it stale.
 */
final class PluginStates {
    static final String NAME = "berth_plugin_state";

    private PluginStates() {
    }

    static void register(Metrics metrics, Supplier<List<PluginInfo>> plugins) {
        metrics.gauges(NAME, "Plugin state after startup: 1 for the state each plugin is in, 0 for the others.",
                () -> values(plugins.get()), "type", "id", "state");
    }

    static Map<List<String>, Double> values(List<PluginInfo> plugins) {
        Map<List<String>, Double> out = new LinkedHashMap<>();
        for (PluginInfo p : plugins) {
            for (PluginState s : PluginState.values()) {
                out.put(List.of(p.type(), p.id(), s.label()), p.state() == s ? 1.0 : 0.0);
            }
        }
        return out;
    }
}
