package dev.berth.cri.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutual TLS: a registry that needs a client certificate (both made with keytool), reached with and without
 * {@code cert_file} / {@code key_file}.
 */
class RegistryMtlsTest {
    private static final String PASS = "changeit";
    @TempDir
    static Path dir;
    private static FakeRegistry registry;
    private static Path serverPem;
    private static Path clientPem;
    private static Path clientKey;
    private static Path rsaPem;
    private static Path rsaPkcs1Key;
    private static final TestImage IMAGE = new TestImage(2);

    @BeforeAll
    static void start() throws Exception {
        Path serverKs = dir.resolve("server.p12");
        serverPem = dir.resolve("server.pem");
        genkey(serverKs, "srv", "EC", "CN=127.0.0.1", "san=ip:127.0.0.1");
        export(serverKs, "srv", serverPem);

        Path clientKs = dir.resolve("client.p12");
        clientPem = dir.resolve("client.pem");
        clientKey = dir.resolve("client.key");
        genkey(clientKs, "cli", "EC", "CN=berth-node", null);
        export(clientKs, "cli", clientPem);
        writePem(clientKey, "PRIVATE KEY", load(clientKs).getKey("cli", PASS.toCharArray()).getEncoded());

        // An RSA client whose key is written as PKCS#1 ("BEGIN RSA PRIVATE KEY"), the server trusting it as well.
        Path rsaKs = dir.resolve("rsa.p12");
        rsaPem = dir.resolve("rsa.pem");
        rsaPkcs1Key = dir.resolve("rsa.key");
        genkey(rsaKs, "rsa", "RSA", "CN=berth-rsa", null);
        export(rsaKs, "rsa", rsaPem);
        byte[] pkcs8 = load(rsaKs).getKey("rsa", PASS.toCharArray()).getEncoded();
        writePem(rsaPkcs1Key, "RSA PRIVATE KEY", pkcs8Inner(pkcs8));

        KeyStore serverStore = load(serverKs);
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(serverStore, PASS.toCharArray());
        KeyStore clientCa = KeyStore.getInstance("PKCS12");
        clientCa.load(null, null);
        clientCa.setCertificateEntry("cli", load(clientKs).getCertificate("cli"));
        clientCa.setCertificateEntry("rsa", load(rsaKs).getCertificate("rsa"));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(clientCa);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        registry = new FakeRegistry(ctx, true);
        registry.putImage("team/app", "v1", IMAGE);
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
    }

    private static void genkey(Path ks, String alias, String alg, String dname, String ext) throws Exception {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        List<String> cmd = new java.util.ArrayList<>(List.of(keytool.toString(), "-genkeypair", "-alias", alias, "-keyalg", alg));
        if (alg.equals("EC")) {
            cmd.addAll(List.of("-groupname", "secp256r1"));
        } else {
            cmd.addAll(List.of("-keysize", "2048"));
        }
        cmd.addAll(List.of("-dname", dname, "-validity", "2", "-keystore", ks.toString(), "-storetype", "PKCS12",
                "-storepass", PASS, "-keypass", PASS));
        if (ext != null) {
            cmd.addAll(List.of("-ext", ext));
        }
        run(cmd.toArray(new String[0]));
    }

    private static void export(Path ks, String alias, Path pem) throws Exception {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        run(keytool.toString(), "-exportcert", "-rfc", "-alias", alias, "-keystore", ks.toString(), "-storetype", "PKCS12",
                "-storepass", PASS, "-file", pem.toString());
    }

    private static KeyStore load(Path ks) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(ks)) {
            store.load(in, PASS.toCharArray());
        }
        return store;
    }

    /** keytool cannot export a private key, so the test writes the PEM itself. */
    private static void writePem(Path file, String label, byte[] der) throws Exception {
        String b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        Files.writeString(file, "-----BEGIN " + label + "-----\n" + b64 + "\n-----END " + label + "-----\n");
    }

    /** The privateKey OCTET STRING of a PKCS#8 PrivateKeyInfo: for RSA, the PKCS#1 RSAPrivateKey. */
    private static byte[] pkcs8Inner(byte[] der) {
        int p = skipHeader(der, 0); // into the outer SEQUENCE
        p = next(der, p); // version
        p = next(der, p); // algorithm
        int content = skipHeader(der, p);
        return Arrays.copyOfRange(der, content, next(der, p));
    }

    private static int skipHeader(byte[] d, int p) {
        int len = d[p + 1] & 0xff;
        return len < 0x80 ? p + 2 : p + 2 + (len & 0x7f);
    }

    private static int next(byte[] d, int p) {
        int len = d[p + 1] & 0xff;
        int off = p + 2;
        if (len >= 0x80) {
            int n = len & 0x7f;
            len = 0;
            for (int i = 0; i < n; i++) {
                len = (len << 8) | (d[off++] & 0xff);
            }
        }
        return off + len;
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
    }

    private static FetchedManifest fetch(String cert, String key) {
        RegistryConfig.Host host = new RegistryConfig.Host(List.of(), false, false, serverPem.toString(), "", "", cert, key);
        RegistryConfig c = RegistryConfig.defaults().withLimits(3, 4 << 20, 8 << 20, 1).withHost(registry.host(), host);
        ImageReference ref = ImageReference.parse(registry.host() + "/team/app:v1");
        return new RegistryClient(c, Duration.ofMillis(1), Clock.systemUTC()).fetchManifest(ref, "v1", Credentials.none());
    }

    @Test
    void clientCertificateIsPresented() {
        assertThat(fetch(clientPem.toString(), clientKey.toString()).digest()).isEqualTo(IMAGE.indexDigest);
    }

    @Test
    void pkcs1RsaKeyWorksToo() {
        assertThat(fetch(rsaPem.toString(), rsaPkcs1Key.toString()).digest()).isEqualTo(IMAGE.indexDigest);
    }

    @Test
    void withoutClientCertificateTheHandshakeIsRefusedClearly() {
        assertThatThrownBy(() -> fetch("", ""))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isIn(ErrorKind.PERMISSION_DENIED, ErrorKind.UNAVAILABLE))
                .hasMessageContaining(registry.host());
    }

    @Test
    void certificateWithoutKeyIsInvalidArgument() {
        assertThatThrownBy(() -> fetch(clientPem.toString(), ""))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
                .hasMessageContaining("key_file");
        assertThatThrownBy(() -> RegistryConfig.from(ConfigFactory.parseString("hosts { \"h\" { cert_file = \"/c.pem\" } }")))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
                .hasMessageContaining("registry.hosts.\"h\".key_file");
        assertThatThrownBy(() -> RegistryConfig.from(ConfigFactory.parseString("hosts { \"h\" { key_file = \"/k.pem\" } }")))
                .hasMessageContaining("registry.hosts.\"h\".cert_file");
    }

    @Test
    void unreadableOrMismatchedFilesAreNamed() {
        Path missing = dir.resolve("missing.key");
        assertThatThrownBy(() -> fetch(clientPem.toString(), missing.toString()))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
                .hasMessageContaining(missing.toString());
        assertThatThrownBy(() -> fetch(clientPem.toString(), rsaPkcs1Key.toString()))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
                .hasMessageContaining("does not hold the private key");
    }

    @Test
    void unsupportedKeyFormatsSayHowToConvert() {
        assertThatThrownBy(() -> PemKeys.privateKey("k.pem", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n"))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
                .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt");
        assertThatThrownBy(() -> PemKeys.privateKey("k.pem", "no pem here"))
                .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt");
    }

    @Test
    void sec1EcKeyIsRead() throws Exception {
        Path ec = dir.resolve("ec.pem");
        Process p;
        try {
            p = new ProcessBuilder("openssl", "ecparam", "-name", "prime256v1", "-genkey", "-out", ec.toString())
                    .redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            org.junit.jupiter.api.Assumptions.abort("openssl unavailable: " + e.getMessage());
            return;
        }
        p.getInputStream().readAllBytes();
        org.junit.jupiter.api.Assumptions.assumeTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "openssl unavailable");
        PrivateKey k = PemKeys.privateKey(ec);
        assertThat(k.getAlgorithm()).isEqualTo("EC");
    }
}
