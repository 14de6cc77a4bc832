package dev.berth.cri.streaming;

import static dev.berth.cri.streaming.FakeSessions.exec;
import static dev.berth.cri.streaming.FakeSessions.request;
import static dev.berth.cri.streaming.TestServers.V4;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** https streaming URLs, with a certificate made at start or one from files. */
class TlsStreamingTest {
    @RegisterExtension
    static final StreamServerFixture fixture = new StreamServerFixture();
    @TempDir
    Path dir;

    private static void execOver(StreamServer server, SslContext clientTls) throws Exception {
        String url = server.register(exec(request(false, true, false, false, "echo"), new FakeSessions.Exits(0, "secret", "")));
        assertThat(url).startsWith("https://");
        try (SpdyTestClient c = SpdyTestClient.connect(fixture.clients(), url.replaceFirst("^https", "http"), V4, clientTls)) {
            assertThat(c.response().status()).isEqualTo(101);
            // Before the session: the server closes the connection when it is done, and the TLS handler goes with it.
            X509Certificate peer = (X509Certificate) c.channel().pipeline().get(SslHandler.class).engine().getSession()
                    .getPeerCertificates()[0];
            assertThat(peer.getSubjectAlternativeNames()).extracting(l -> l.get(1).toString()).contains("127.0.0.1", "localhost");
            SpdyTestClient.ClientStream error = c.stream("error");
            SpdyTestClient.ClientStream stdout = c.stream("stdout");
            assertThat(error.awaitFin()).isTrue();
            assertThat(stdout.text()).isEqualTo("secret");
        }
    }

    @Test
    void aSelfSignedCertificateIsMadeAtStart() throws Exception {
        try (StreamServer server = TestServers.start("enable_tls_streaming = true")) {
            execOver(server, SslContextBuilder.forClient().sslProvider(SslProvider.JDK).trustManager(InsecureTrustManagerFactory.INSTANCE).build());
        }
    }

    @Test
    void configuredFilesAreServedAndVerifiable() throws Exception {
        SelfSignedCertificate made = SelfSignedCertificate.generate("127.0.0.1", Instant.now(), new SecureRandom());
        Path cert = dir.resolve("cert.pem");
        Path pkcs8 = dir.resolve("key.pk8.pem");
        Path sec1 = dir.resolve("key.ec.pem");
        Files.writeString(cert, pem(made.certificate()));
        Files.writeString(pkcs8, pem(new JcaPKCS8Generator(made.key(), null)));
        Files.writeString(sec1, pem(sec1(made.key())));
        assertThat(Files.readString(pkcs8)).contains("BEGIN PRIVATE KEY");
        assertThat(Files.readString(sec1)).contains("BEGIN EC PRIVATE KEY");
        SslContext trusting = SslContextBuilder.forClient().sslProvider(SslProvider.JDK).trustManager(made.certificate()).build();
        for (Path key : List.of(pkcs8, sec1)) {
            try (StreamServer server = TestServers.start("enable_tls_streaming = true\nstream_tls_cert_file = \"" + cert
                    + "\"\nstream_tls_key_file = \"" + key + "\"")) {
                execOver(server, trusting);
            }
        }
    }

    @Test
    void unreadableKeyFilesFailTheStartNamingTheKey() throws Exception {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        SelfSignedCertificate made = SelfSignedCertificate.generate("127.0.0.1", Instant.now(), new SecureRandom());
        Files.writeString(cert, pem(made.certificate()));
        Files.writeString(key, "not a key\n");
        assertThatThrownBy(() -> TestServers.start("enable_tls_streaming = true\nstream_tls_cert_file = \"" + cert
                + "\"\nstream_tls_key_file = \"" + key + "\"")).isInstanceOfSatisfying(BerthException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
                    assertThat(e.getMessage()).contains("stream_tls_key_file");
                });
    }

    @Test
    void theGeneratedCertificateNamesTheAddressAndLastsAYear() throws Exception {
        Instant now = Instant.parse("2030-01-01T00:00:00Z");
        SelfSignedCertificate c = SelfSignedCertificate.generate("::1", now, new SecureRandom());
        X509Certificate x = c.certificate();
        assertThat(x.getSubjectAlternativeNames()).extracting(l -> l.get(1).toString()).contains("localhost")
                .anyMatch(n -> n.equals("0:0:0:0:0:0:0:1") || n.equals("::1"));
        assertThat(x.getNotAfter().toInstant()).isEqualTo(now.plus(SelfSignedCertificate.VALIDITY));
        assertThat(x.getNotBefore().toInstant()).isBefore(now);
        x.verify(x.getPublicKey());
        assertThat(c.fingerprint()).matches("([0-9A-F]{2}:){31}[0-9A-F]{2}");
        assertThat(SelfSignedCertificate.generate("node.example", now, new SecureRandom()).certificate().getSubjectAlternativeNames())
                .extracting(l -> l.get(1).toString()).contains("node.example", "localhost");
    }

    /** The key as openssl writes "EC PRIVATE KEY": SEC1 with the curve inside (the JDK's PKCS#8 keeps it outside). */
    private static PemObject sec1(java.security.PrivateKey key) {
        PrivateKeyInfo info = PrivateKeyInfo.getInstance(key.getEncoded());
        ECPrivateKey inner = ECPrivateKey.getInstance(info.getPrivateKey().getOctets());
        ECPrivateKey withCurve = new ECPrivateKey(256, inner.getKey(), info.getPrivateKeyAlgorithm().getParameters());
        try {
            return new PemObject("EC PRIVATE KEY", withCurve.getEncoded());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pem(Object o) throws Exception {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter p = new JcaPEMWriter(w)) {
            p.writeObject(o);
        }
        return w.toString();
    }
}
