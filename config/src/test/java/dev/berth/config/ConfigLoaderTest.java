package dev.berth.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    private static final String DAEMON = """
            # Format version.
            version = 1
            _dropped = [
              {key = "old_root", release = "0.2.0", note = "use root"},
              {key = "grpc.tcp_address", release = "0.3.0"}
            ]
            # Where data lives.
            root = "/var/lib/x"
            disabled_plugins = []
            ratio = 0.5
            grpc {
              # The socket.
              address = "/run/x.sock"
              max_recv_message_size = 16777216
            }
            metrics {
              address = ""
            }
            """;
    private static final String PLUGIN = """
            plugins {
              "io.berth.grpc.v1.cri" {
                # Seconds or a duration.
                idle_timeout = "1m"
                enable_tls = false
                runtimes {
                  "<name>" {
                    binary = "runc"
                  }
                }
              }
            }
            """;

    @TempDir
    Path dir;
    private ConfigLoader loader;

    @BeforeEach
    void setUp() throws IOException {
        loader = new ConfigLoader(List.of(schema("daemon", DAEMON), schema("plugin", PLUGIN)));
    }

    private ClassLoader schema(String name, String text) throws IOException {
        Path d = Files.createDirectories(dir.resolve(name));
        Files.writeString(d.resolve("reference.conf"), text);
        return new URLClassLoader(new URL[] {d.toUri().toURL()}, null);
    }

    private Path file(String text) throws IOException {
        return Files.writeString(dir.resolve("config.toml"), text);
    }

    @Test
    void layersFileOverDefaults() throws IOException {
        LoadedConfig c = loader.load(file("""
                root = "/data"
                [grpc]
                max_recv_message_size = 1024
                [plugins."io.berth.grpc.v1.cri"]
                idle_timeout = 30
                [plugins."io.berth.grpc.v1.cri".runtimes.crun]
                binary = "/usr/bin/crun"
                """));
        assertThat(c.effective().getString("root")).isEqualTo("/data");
        assertThat(c.effective().getInt("grpc.max_recv_message_size")).isEqualTo(1024);
        assertThat(c.effective().getString("grpc.address")).isEqualTo("/run/x.sock");
        assertThat(c.plugin("io.berth.grpc.v1.cri").getLong("idle_timeout")).isEqualTo(30);
        assertThat(c.plugin("io.berth.grpc.v1.cri").getString("runtimes.crun.binary")).isEqualTo("/usr/bin/crun");
        assertThat(c.plugin("io.berth.grpc.v1.cri").getObject("runtimes")).doesNotContainKey("<name>");
        assertThat(c.plugin("io.berth.nothing.v1.x").isEmpty()).isTrue();
        assertThat(c.warnings()).isEmpty();
    }

    @Test
    void unknownKeyNamesFileLineAndNearestKey() throws IOException {
        Path f = file("root = \"/x\"\n\n[metrics]\nadress = \"127.0.0.1:1\"\n");
        assertThatThrownBy(() -> loader.load(f)).isInstanceOf(ConfigException.class)
                .hasMessageContaining(f + ":4:1: metrics.adress: unknown key; did you mean 'address'?");
    }

    @Test
    void unknownKeyInPluginSectionIsQuoted() throws IOException {
        Path f = file("[plugins.\"io.berth.grpc.v1.cri\"]\nenable_tsl = true\n");
        assertThatThrownBy(() -> loader.load(f))
                .hasMessageContaining(f + ":2:1: plugins.\"io.berth.grpc.v1.cri\".enable_tsl: unknown key; did you mean 'enable_tls'?");
    }

    @Test
    void unrelatedKeyGetsNoSuggestion() throws IOException {
        Path f = file("zzzzzzzz = 1\n");
        assertThatThrownBy(() -> loader.load(f)).hasMessageEndingWith("zzzzzzzz: unknown key");
    }

    @Test
    void wrongTypesAreErrorsWithLines() throws IOException {
        Path f = file("""
                root = 5
                disabled_plugins = "io.berth.grpc.v1.cri"
                ratio = 1
                [grpc]
                max_recv_message_size = "big"
                """);
        ConfigException e = (ConfigException) org.assertj.core.api.Assertions.catchThrowable(() -> loader.load(f));
        assertThat(e.problems()).extracting(ConfigProblem::line).containsExactly(1, 2, 5);
        assertThat(e.getMessage()).contains("root: expected a string, got the number 5")
                .contains("disabled_plugins: expected an array")
                .contains("grpc.max_recv_message_size: expected an integer, got the string \"big\"");
    }

    @Test
    void tableWhereValueExpectedAndViceVersa() throws IOException {
        assertThatThrownBy(() -> loader.load(file("grpc = 1\n"))).hasMessageContaining("grpc: expected a table");
        assertThatThrownBy(() -> loader.load(file("[root]\nx = 1\n"))).hasMessageContaining("root: expected a string, got a table");
    }

    @Test
    void syntaxErrorHasLine() throws IOException {
        Path f = file("root = \"/x\"\n[grpc\n");
        assertThatThrownBy(() -> loader.load(f)).hasMessageContaining(f + ":2:");
    }

    @Test
    void unsupportedVersionRejected() throws IOException {
        assertThatThrownBy(() -> loader.load(file("version = 2\n"))).hasMessageContaining("unsupported config version 2");
    }

    @Test
    void sectionOfAbsentPluginIsWarningAndIgnored() throws IOException {
        LoadedConfig c = loader.load(file("[plugins.\"io.example.v1.gone\"]\nx = 1\n"));
        assertThat(c.warnings()).singleElement().satisfies(w -> {
            assertThat(w.severity()).isEqualTo(ConfigProblem.Severity.WARNING);
            assertThat(w.line()).isEqualTo(1);
            assertThat(w.message()).contains("no plugin named 'io.example.v1.gone'");
        });
        assertThat(c.effective().hasPath("plugins.\"io.example.v1.gone\"")).isFalse();
    }

    @Test
    void droppedKeysWarnWithRelease() throws IOException {
        LoadedConfig c = loader.load(file("old_root = \"/x\"\n[grpc]\ntcp_address = \"0.0.0.0:1\"\n"));
        assertThat(c.warnings()).extracting(ConfigProblem::toString).containsExactly(
                dir.resolve("config.toml") + ":1:1: old_root: removed in Berth 0.2.0: use root; ignored",
                dir.resolve("config.toml") + ":3:1: grpc.tcp_address: removed in Berth 0.3.0; ignored");
        assertThat(c.effective().hasPath("old_root")).isFalse();
        assertThat(loader.defaults().toToml()).doesNotContain("_dropped");
    }

    @Test
    void missingFileIsAnError() {
        assertThatThrownBy(() -> loader.load(dir.resolve("nope.toml"))).hasMessageContaining("nope.toml: config file not found");
    }

    @Test
    void checkReturnsEveryProblem() throws IOException {
        List<ConfigProblem> p = loader.check(file("a = 1\nb = 2\n[plugins.\"x.y\"]\n"));
        assertThat(p).extracting(ConfigProblem::severity)
                .containsExactly(ConfigProblem.Severity.ERROR, ConfigProblem.Severity.ERROR, ConfigProblem.Severity.WARNING);
    }

    @Test
    void defaultsRoundTripThroughToml() throws IOException {
        String toml = loader.defaults().toToml();
        assertThat(toml).contains("# Where data lives.\nroot = \"/var/lib/x\"")
                .contains("[plugins.\"io.berth.grpc.v1.cri\"]")
                .contains("# The socket.\naddress = \"/run/x.sock\"")
                .doesNotContain("<name>");
        assertThat(toml.indexOf("version")).isLessThan(toml.indexOf("root"));
        LoadedConfig again = loader.load(file(toml));
        assertThat(again.effective()).isEqualTo(loader.defaults().effective());
        assertThat(again.warnings()).isEmpty();
    }

    @Test
    void dumpedConfigRoundTrips() throws IOException {
        LoadedConfig c = loader.load(file("root = \"/a \\\"b\\\"\"\ndisabled_plugins = [\"x.y\", \"z.w\"]\n"));
        LoadedConfig again = loader.load(file(c.toToml()));
        assertThat(again.effective()).isEqualTo(c.effective());
        assertThat(c.toJson()).contains("\"disabled_plugins\":[\"x.y\",\"z.w\"]");
    }
}
