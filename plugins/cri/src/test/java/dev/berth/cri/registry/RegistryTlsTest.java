package dev.berth.cri.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A registry behind a self-signed certificate (made with the JDK's keytool): ca_file and skip_verify. */
class RegistryTlsTest {
    @TempDir
    static Path dir;
    private static FakeRegistry registry;
    private static Path caPem;
    private static final TestImage IMAGE = new TestImage(3);

    @BeforeAll
    static void start() throws Exception {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Path ks = dir.resolve("server.p12");
        caPem = dir.resolve("ca.pem");
        run(keytool.toString(), "-genkeypair", "-alias", "srv", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=127.0.0.1",
                "-ext", "san=ip:127.0.0.1", "-validity", "2", "-keystore", ks.toString(), "-storetype", "PKCS12",
                "-storepass", "changeit", "-keypass", "changeit");
        run(keytool.toString(), "-exportcert", "-rfc", "-alias", "srv", "-keystore", ks.toString(), "-storetype", "PKCS12",
                "-storepass", "changeit", "-file", caPem.toString());
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(ks)) {
            store.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, "changeit".toCharArray());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        registry = new FakeRegistry(ctx);
        registry.putImage("team/app", "v1", IMAGE);
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
    }

    private static FetchedManifest fetch(RegistryConfig.Host host) {
        RegistryConfig c = RegistryConfig.defaults().withLimits(3, 4 << 20, 8 << 20, 1).withHost(registry.host(), host);
        ImageReference ref = ImageReference.parse(registry.host() + "/team/app:v1");
        return new RegistryClient(c, Duration.ofMillis(1), Clock.systemUTC()).fetchManifest(ref, "v1", Credentials.none());
    }

    @Test
    void caFileMakesTheCertificateTrusted() {
        assertThat(fetch(new RegistryConfig.Host(List.of(), false, false, caPem.toString(), "", "")).digest())
                .isEqualTo(IMAGE.indexDigest);
    }

    @Test
    void skipVerifyAcceptsAnyCertificate() {
        assertThat(fetch(new RegistryConfig.Host(List.of(), false, true, "", "", "")).digest()).isEqualTo(IMAGE.indexDigest);
    }

    @Test
    void untrustedCertificateFails() {
        assertThatThrownBy(() -> fetch(RegistryConfig.Host.DEFAULT))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.UNAVAILABLE))
                .hasMessageContaining(registry.host());
    }

    @Test
    void unreadableCaFileIsInvalidArgument() {
        assertThatThrownBy(() -> fetch(new RegistryConfig.Host(List.of(), false, false, dir.resolve("none.pem").toString(), "", "")))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
                .hasMessageContaining("ca_file");
    }
}
