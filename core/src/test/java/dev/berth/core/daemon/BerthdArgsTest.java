package dev.berth.core.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class BerthdArgsTest {
    @Test
    void serveWithOverrides() {
        BerthdArgs a = BerthdArgs.parse(new String[] {"-c", "/etc/x.toml", "--root", "/r", "--state", "/s", "-a", "/run/x.sock", "-l", "debug"});
        assertThat(a.command()).isEqualTo(BerthdArgs.Command.SERVE);
        assertThat(a.config()).isEqualTo(Path.of("/etc/x.toml"));
        assertThat(a.logLevel()).isEqualTo("debug");
        assertThat(a.overrides()).containsEntry("root", "/r").containsEntry("state", "/s")
                .containsEntry("grpc.address", "/run/x.sock").containsEntry("debug.level", "debug");
    }

    @Test
    void relativePathsBecomeAbsolute() {
        assertThat(BerthdArgs.parse(new String[] {"--root", "rel"}).overrides().get("root"))
                .isEqualTo(Path.of("rel").toAbsolutePath().toString());
    }

    @Test
    void configSubcommands() {
        assertThat(BerthdArgs.parse(new String[] {"config", "default"}).pluginDir()).isEqualTo(Path.of("/var/lib/berth/plugins"));
        assertThat(BerthdArgs.parse(new String[] {"config", "default", "--plugin-dir", "/p"}).pluginDir()).isEqualTo(Path.of("/p"));
        assertThat(BerthdArgs.parse(new String[] {"config", "dump", "-c", "/f"}).config()).isEqualTo(Path.of("/f"));
        assertThat(BerthdArgs.parse(new String[] {"config", "check"}).file()).isEqualTo(BootConfig.DEFAULT_FILE);
        assertThat(BerthdArgs.parse(new String[] {"config", "check", "/f"}).file()).isEqualTo(Path.of("/f"));
        BerthdArgs migrate = BerthdArgs.parse(new String[] {"config", "migrate", "--from-containerd", "/c.toml"});
        assertThat(migrate.command()).isEqualTo(BerthdArgs.Command.CONFIG_MIGRATE);
        assertThat(migrate.file()).isEqualTo(Path.of("/c.toml"));
        assertThatThrownBy(() -> BerthdArgs.parse(new String[] {"config", "migrate", "/c.toml"}))
                .hasMessage("config migrate takes --from-containerd FILE");
    }

    @Test
    void helpAndVersion() {
        assertThat(BerthdArgs.parse(new String[] {"--help"}).command()).isEqualTo(BerthdArgs.Command.HELP);
        assertThat(BerthdArgs.parse(new String[] {"-V"}).command()).isEqualTo(BerthdArgs.Command.VERSION);
    }

    @Test
    void badArgumentsNameTheArgument() {
        assertThatThrownBy(() -> BerthdArgs.parse(new String[] {"--bogus"})).hasMessage("unknown argument '--bogus'");
        assertThatThrownBy(() -> BerthdArgs.parse(new String[] {"--config"})).hasMessage("--config needs a value");
        assertThatThrownBy(() -> BerthdArgs.parse(new String[] {"config"})).hasMessageContaining("default, dump, check or migrate");
        assertThatThrownBy(() -> BerthdArgs.parse(new String[] {"config", "nope"})).hasMessageContaining("'nope'");
        assertThatThrownBy(() -> BerthdArgs.parse(new String[] {"config", "check", "a", "b"})).hasMessageContaining("one FILE");
    }
}
