package dev.berth.cri.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StreamSettingsTest {
    @TempDir
    Path dir;

    private static StreamSettings parse(String hocon) {
        return StreamSettings.from(ConfigFactory.parseString(hocon));
    }

    private static void refused(String hocon, String key) {
        assertThatThrownBy(() -> parse(hocon)).isInstanceOfSatisfying(BerthException.class, e -> {
            assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
            assertThat(e.getMessage()).contains(key);
        });
    }

    @Test
    void defaults() {
        assertThat(parse("")).isEqualTo(new StreamSettings("127.0.0.1", 0, false, "", "", Duration.ofMinutes(1), Duration.ofHours(4),
                Duration.ofSeconds(30), 1000));
    }

    @Test
    void everyKeyIsRead() throws Exception {
        Path cert = Files.writeString(dir.resolve("c.pem"), "x");
        Path key = Files.writeString(dir.resolve("k.pem"), "x");
        StreamSettings s = parse("stream_server_address = \"::1\"\nstream_server_port = 10010\nenable_tls_streaming = true\n"
                + "stream_tls_cert_file = \"" + cert + "\"\nstream_tls_key_file = \"" + key + "\"\nstream_token_ttl = \"30s\"\n"
                + "stream_idle_timeout = \"10m\"\nstream_creation_timeout = \"5s\"\nmax_pending_streams = 7");
        assertThat(s).isEqualTo(new StreamSettings("::1", 10010, true, cert.toString(), key.toString(), Duration.ofSeconds(30),
                Duration.ofMinutes(10), Duration.ofSeconds(5), 7));
        assertThat(s.selfSigned()).isFalse();
    }

    @Test
    void thePortMayBeAString() {
        assertThat(parse("stream_server_port = \"10010\"").port()).isEqualTo(10010);
        assertThat(parse("stream_server_port = \"0\"").port()).isZero();
        refused("stream_server_port = \"http\"", "stream_server_port");
        refused("stream_server_port = 70000", "stream_server_port");
        refused("stream_server_port = -1", "stream_server_port");
    }

    @Test
    void badValuesNameTheirKey() {
        refused("stream_server_address = \"\"", "stream_server_address");
        refused("stream_token_ttl = 60", "stream_token_ttl"); // a bare number would be milliseconds
        refused("stream_token_ttl = \"soon\"", "stream_token_ttl");
        refused("stream_token_ttl = \"0s\"", "stream_token_ttl");
        refused("stream_idle_timeout = \"-1h\"", "stream_idle_timeout");
        refused("stream_creation_timeout = \"0s\"", "stream_creation_timeout");
        refused("max_pending_streams = 0", "max_pending_streams");
        refused("max_pending_streams = \"many\"", "max_pending_streams");
        refused("enable_tls_streaming = \"perhaps\"", "enable_tls_streaming");
    }

    @Test
    void certificateAndKeyComeTogether() throws Exception {
        refused("stream_tls_cert_file = \"/etc/c.pem\"", "stream_tls_key_file");
        refused("stream_tls_key_file = \"/etc/k.pem\"", "stream_tls_cert_file");
        Path cert = Files.writeString(dir.resolve("c.pem"), "x");
        refused("enable_tls_streaming = true\nstream_tls_cert_file = \"" + cert + "\"\nstream_tls_key_file = \"" + dir.resolve("missing")
                + "\"", "stream_tls_key_file");
        assertThat(parse("enable_tls_streaming = true").selfSigned()).isTrue();
    }
}
