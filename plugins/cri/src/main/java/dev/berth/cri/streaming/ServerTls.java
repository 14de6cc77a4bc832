package dev.berth.cri.streaming;

import dev.berth.core.errdefs.BerthException;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.Collection;
import javax.net.ssl.SSLException;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS side of the streaming server: the configured certificate chain and key, or a certificate made at start.
 * Keys may be PKCS#8, PKCS#1 (RSA) or SEC1 (EC) PEM, unencrypted; Bouncy Castle reads the PEM, the JDK does the
 * cryptography.
 */
final class ServerTls {
    private static final Logger LOG = LoggerFactory.getLogger(ServerTls.class);

    private ServerTls() {
    }

    /** @throws BerthException INVALID_ARGUMENT naming the setting whose file is unusable */
    static SslContext context(StreamSettings s) {
        PrivateKey key;
        X509Certificate[] chain;
        if (s.selfSigned()) {
            SelfSignedCertificate self = SelfSignedCertificate.generate(s.address(), Instant.now(), new SecureRandom());
            LOG.info("TLS streaming uses a self-signed certificate made now for {} and localhost, SHA-256 fingerprint {}", s.address(),
                    self.fingerprint());
            key = self.key();
            chain = new X509Certificate[] {self.certificate()};
        } else {
            chain = chain(Path.of(s.certFile()));
            key = privateKey(Path.of(s.keyFile()));
        }
        try {
            return SslContextBuilder.forServer(key, chain).sslProvider(SslProvider.JDK).build();
        } catch (SSLException | IllegalArgumentException e) {
            throw BerthException.invalidArgument("%s / %s: cannot serve TLS with them: %s", StreamSettings.CERT_FILE,
                    StreamSettings.KEY_FILE, e.getMessage());
        }
    }

    static X509Certificate[] chain(Path file) {
        Collection<? extends Certificate> certs;
        try (InputStream in = Files.newInputStream(file)) {
            certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (IOException | GeneralSecurityException e) {
            throw BerthException.invalidArgument("%s %s: cannot read certificates: %s", StreamSettings.CERT_FILE, file, e.getMessage());
        }
        if (certs.isEmpty()) {
            throw BerthException.invalidArgument("%s %s: no certificate in it", StreamSettings.CERT_FILE, file);
        }
        return certs.stream().map(X509Certificate.class::cast).toArray(X509Certificate[]::new);
    }

    static PrivateKey privateKey(Path file) {
        String key = StreamSettings.KEY_FILE;
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser pem = new PEMParser(r)) {
            // Bounded by the file: readObject returns null at its end. Other blocks (EC PARAMETERS, certificates) are skipped.
            for (Object o = pem.readObject(); o != null; o = pem.readObject()) {
                if (o instanceof PEMEncryptedKeyPair || o instanceof PKCS8EncryptedPrivateKeyInfo) {
                    throw BerthException.invalidArgument("%s %s: encrypted keys are not supported; decrypt it with openssl pkey", key, file);
                }
                if (o instanceof PEMKeyPair pair) {
                    return jdkKey(file, pair.getPrivateKeyInfo());
                }
                if (o instanceof PrivateKeyInfo info) {
                    return jdkKey(file, info);
                }
            }
        } catch (IOException e) {
            throw BerthException.invalidArgument("%s %s: cannot read it: %s", key, file, e.getMessage());
        }
        throw BerthException.invalidArgument("%s %s: no PEM private key in it", key, file);
    }

    private static PrivateKey jdkKey(Path file, PrivateKeyInfo info) throws IOException {
        ASN1ObjectIdentifier alg = info.getPrivateKeyAlgorithm().getAlgorithm();
        String name = alg.equals(PKCSObjectIdentifiers.rsaEncryption) ? "RSA"
                : alg.equals(X9ObjectIdentifiers.id_ecPublicKey) ? "EC"
                : alg.equals(EdECObjectIdentifiers.id_Ed25519) ? "Ed25519"
                : null;
        if (name == null) {
            throw BerthException.invalidArgument("%s %s: unsupported key algorithm %s (want RSA, EC or Ed25519)", StreamSettings.KEY_FILE, file, alg);
        }
        try {
            return KeyFactory.getInstance(name).generatePrivate(new PKCS8EncodedKeySpec(info.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw BerthException.invalidArgument("%s %s: unreadable %s key: %s", StreamSettings.KEY_FILE, file, name, e.getMessage());
        }
    }
}
