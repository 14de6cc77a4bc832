package dev.berth.shim.runc;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.berth.core.plugin.PluginTypes;
import org.junit.jupiter.api.Test;

class RuncShimSettingsTest {
    @Test
    void referenceConfDefaults() {
        var c = ConfigFactory.parseResources("reference.conf").getConfig("plugins")
                .getConfig("\"" + PluginTypes.RUNTIME + "." + RuncShimPlugin.ID + "\"");
        assertThat(RuncShimSettings.from(c)).isEqualTo(
                new RuncShimSettings("runc", "conmon", false, "/berth", 16777216, -1, "criu"));
    }

    @Test
    void registersTheRuntimePlugin() {
        var regs = new RuncShimPlugin().registrations();
        assertThat(regs).singleElement().satisfies(r -> assertThat(r.fullName()).isEqualTo("io.berth.runtime.v2.runc"));
    }
}
