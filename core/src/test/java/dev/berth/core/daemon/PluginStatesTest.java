package dev.berth.core.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.core.metrics.Metrics;
import dev.berth.core.plugin.PluginInfo;
import dev.berth.core.plugin.PluginState;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PluginStatesTest {
    @Test
    void eachPluginHasOneSeriesPerStateWithOneForItsOwn() {
        List<PluginInfo> plugins = new ArrayList<>(List.of(
                new PluginInfo("io.berth.grpc.v1", "cri", PluginState.OK, "", List.of(), "builtin"),
                new PluginInfo("io.berth.snapshotter.v1", "zfs", PluginState.SKIPPED, "no zfs", List.of(), "builtin")));
        Metrics m = new Metrics();
        PluginStates.register(m, () -> List.copyOf(plugins));
        String text = m.writeText();
        assertThat(text).contains("# TYPE berth_plugin_state gauge\n",
                "berth_plugin_state{type=\"io.berth.grpc.v1\",id=\"cri\",state=\"ok\"} 1\n",
                "berth_plugin_state{type=\"io.berth.grpc.v1\",id=\"cri\",state=\"skipped\"} 0\n",
                "berth_plugin_state{type=\"io.berth.grpc.v1\",id=\"cri\",state=\"error\"} 0\n",
                "berth_plugin_state{type=\"io.berth.snapshotter.v1\",id=\"zfs\",state=\"skipped\"} 1\n",
                "berth_plugin_state{type=\"io.berth.snapshotter.v1\",id=\"zfs\",state=\"ok\"} 0\n");
        plugins.set(0, new PluginInfo("io.berth.grpc.v1", "cri", PluginState.ERROR, "boom", List.of(), "builtin"));
        assertThat(m.writeText()).as("read on every scrape")
                .contains("berth_plugin_state{type=\"io.berth.grpc.v1\",id=\"cri\",state=\"error\"} 1\n",
                        "berth_plugin_state{type=\"io.berth.grpc.v1\",id=\"cri\",state=\"ok\"} 0\n");
    }
}
