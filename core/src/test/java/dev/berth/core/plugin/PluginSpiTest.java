package dev.berth.core.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PluginSpiTest {
    @Test
    void currentIsWhatTheBuildStampsIntoPluginJars() {
        assertThat(System.getProperty("berth.plugin.spi")).as("surefire passes the pom's berth.plugin.spi").isNotNull();
        assertThat(PluginSpi.CURRENT).hasToString(System.getProperty("berth.plugin.spi"));
    }

    @Test
    void loadsSameMajorUpToOwnMinor() {
        PluginSpi daemon = new PluginSpi(2, 3);
        assertThat(daemon.canLoad(PluginSpi.parse("2.0"))).isTrue();
        assertThat(daemon.canLoad(PluginSpi.parse("2.3"))).isTrue();
        assertThat(daemon.canLoad(PluginSpi.parse("2.4"))).isFalse();
        assertThat(daemon.canLoad(PluginSpi.parse("1.9"))).isFalse();
        assertThat(daemon.canLoad(PluginSpi.parse("3.0"))).isFalse();
    }

    @Test
    void parseAcceptsMajorDotMinorOnly() {
        assertThat(PluginSpi.parse(" 1.12 ")).isEqualTo(new PluginSpi(1, 12));
        for (String bad : new String[] {"", "1", "1.0.0", "v1.0", "1.x", "-1.0"}) {
            assertThatThrownBy(() -> PluginSpi.parse(bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"" + bad + "\"");
        }
        assertThatThrownBy(() -> PluginSpi.parse(null)).isInstanceOf(IllegalArgumentException.class);
    }
}
