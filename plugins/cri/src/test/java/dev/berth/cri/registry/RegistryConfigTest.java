package dev.berth.cri.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import java.util.List;
import org.junit.jupiter.api.Test;

class RegistryConfigTest {
    @Test
    void referenceConfGivesTheDefaultsAndNoHosts() {
        Config ref = ConfigFactory.parseResources("reference.conf").getConfig("plugins.\"io.berth.grpc.v1.cri\".registry");
        RegistryConfig c = RegistryConfig.from(ref);
        assertThat(c).isEqualTo(RegistryConfig.defaults());
        assertThat(c.maxConcurrentDownloads()).isEqualTo(3);
        assertThat(c.maxManifestSize()).isEqualTo(4 * 1024 * 1024);
        assertThat(c.maxConfigSize()).isEqualTo(8 * 1024 * 1024);
        assertThat(c.retries()).isEqualTo(3);
        assertThat(c.hosts()).isEmpty();
        assertThat(RegistryConfig.from(ConfigFactory.empty())).isEqualTo(RegistryConfig.defaults());
    }

    @Test
    void hostsTakeDefaultsForWhatTheUserLeftOut() {
        RegistryConfig c = RegistryConfig.from(ConfigFactory.parseString("""
                max_concurrent_downloads = 5
                retries = 2
                max_manifest_size = 1000
                hosts {
                  "docker.io" { mirrors = ["http://127.0.0.1:5001", "mirror.example.com/v2"] }
                  "127.0.0.1:5000" { plain_http = true, username = "u", password = "secret" }
                  "secure.example" { skip_verify = true, ca_file = "/etc/ca.pem" }
                }
                """));
        assertThat(c.maxConcurrentDownloads()).isEqualTo(5);
        assertThat(c.retries()).isEqualTo(2);
        assertThat(c.maxManifestSize()).isEqualTo(1000);
        assertThat(c.maxConfigSize()).isEqualTo(RegistryConfig.DEFAULT_MAX_CONFIG_SIZE);
        RegistryConfig.Host hub = c.host("docker.io");
        assertThat(hub.mirrors()).containsExactly("http://127.0.0.1:5001", "mirror.example.com/v2");
        assertThat(hub.plainHttp()).isFalse();
        assertThat(hub.username()).isEmpty();
        RegistryConfig.Host local = c.host("127.0.0.1:5000");
        assertThat(local.plainHttp()).isTrue();
        assertThat(local.credentials()).isEqualTo(Credentials.basic("u", "secret"));
        assertThat(local.toString()).doesNotContain("secret");
        assertThat(c.host("secure.example").skipVerify()).isTrue();
        assertThat(c.host("secure.example").caFile()).isEqualTo("/etc/ca.pem");
        assertThat(c.host("other.example")).isEqualTo(RegistryConfig.Host.DEFAULT);
        assertThat(c.hasHost("other.example")).isFalse();
    }

    @Test
    void badValuesNameTheKey() {
        assertThatThrownBy(() -> RegistryConfig.from(ConfigFactory.parseString("retries = 0")))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
                .hasMessageContaining("registry.retries");
        assertThatThrownBy(() -> RegistryConfig.from(ConfigFactory.parseString("hosts { \"h\" { mirrors = [\"ftp://x\"] } }")))
                .hasMessageContaining("registry.hosts.\"h\".mirrors[0]");
        assertThatThrownBy(() -> RegistryConfig.from(ConfigFactory.parseString("max_concurrent_downloads = \"many\"")))
                .isInstanceOf(BerthException.class).hasMessageContaining("max_concurrent_downloads");
    }

    @Test
    void withHostAddsAnEntry() {
        RegistryConfig c = RegistryConfig.defaults().withHost("h", new RegistryConfig.Host(List.of("http://m"), true, false, "", "", ""));
        assertThat(c.host("h").mirrors()).containsExactly("http://m");
        assertThat(RegistryConfig.defaults().hosts()).isEmpty();
    }
}
