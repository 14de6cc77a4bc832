package dev.berth.cri.registry;

import dev.berth.core.errdefs.BerthException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a host's {@code cert_file} (PEM certificate chain) and {@code key_file} (PEM private key) with the JDK alone.
 * Keys may be PKCS#8 ({@code BEGIN PRIVATE KEY}: RSA, EC or EdDSA), PKCS#1 ({@code BEGIN RSA PRIVATE KEY}) or SEC1
 * ({@code BEGIN EC PRIVATE KEY}, with its curve named); anything else is refused with the openssl command that
 * converts it.
 */
final class PemKeys {
    static final String CONVERT = "convert it to an unencrypted PKCS#8 key with `openssl pkcs8 -topk8 -nocrypt -in <key> -out <key>.pk8`";
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----([\\s\\S]*?)-----END \\1-----");
    /** rsaEncryption, 1.2.840.113549.1.1.1 */
    private static final byte[] RSA_OID = {0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01};
    /** id-ecPublicKey, 1.2.840.10045.2.1 */
    private static final byte[] EC_OID = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};

    private PemKeys() {
    }

    /** The certificates of a PEM (or DER) chain, leaf first. */
    static X509Certificate[] chain(Path file) {
        Collection<? extends Certificate> certs;
        try (InputStream in = Files.newInputStream(file)) {
            certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (IOException | CertificateException e) {
            throw BerthException.invalidArgument("registry cert_file %s: cannot read certificates: %s", file, e);
        }
        if (certs.isEmpty()) {
            throw BerthException.invalidArgument("registry cert_file %s: no certificate in it", file);
        }
        List<X509Certificate> out = new ArrayList<>();
        for (Certificate c : certs) {
            out.add((X509Certificate) c);
        }
        return out.toArray(new X509Certificate[0]);
    }

    /** The first private key in a PEM file. */
    static PrivateKey privateKey(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException | RuntimeException e) {
            throw BerthException.invalidArgument("registry key_file %s: cannot read it: %s", file, e);
        }
        return privateKey(file.toString(), text);
    }

    static PrivateKey privateKey(String name, String pem) {
        Matcher m = BLOCK.matcher(pem);
        while (m.find()) {
            String label = m.group(1);
            if (!label.endsWith("PRIVATE KEY")) {
                continue; // e.g. "EC PARAMETERS" ahead of the key, as openssl ecparam -genkey writes
            }
            if (m.group(2).contains("Proc-Type:") || m.group(2).contains("DEK-Info:")) {
                throw BerthException.invalidArgument("registry key_file %s: encrypted keys are not supported; %s", name, CONVERT);
            }
            byte[] der;
            try {
                der = Base64.getMimeDecoder().decode(m.group(2));
            } catch (IllegalArgumentException e) {
                throw BerthException.invalidArgument("registry key_file %s: bad base64 in %s block: %s", name, label, e.getMessage());
            }
            try {
                return switch (label) {
                    case "PRIVATE KEY" -> pkcs8(name, der);
                    case "RSA PRIVATE KEY" -> pkcs8(name, seq(concat(new byte[] {0x02, 0x01, 0x00}, seq(concat(RSA_OID, new byte[] {0x05, 0x00})),
                            tlv(0x04, der))));
                    case "EC PRIVATE KEY" -> pkcs8(name, seq(concat(new byte[] {0x02, 0x01, 0x00}, seq(concat(EC_OID, curveOf(name, der))),
                            tlv(0x04, der))));
                    case "ENCRYPTED PRIVATE KEY" -> throw BerthException.invalidArgument(
                            "registry key_file %s: encrypted keys are not supported; %s", name, CONVERT);
                    default -> throw BerthException.invalidArgument(
                            "registry key_file %s: unsupported key type \"%s\"; %s", name, label, CONVERT);
                };
            } finally {
                Arrays.fill(der, (byte) 0);
            }
        }
        throw BerthException.invalidArgument("registry key_file %s: no PEM private key in it (want -----BEGIN PRIVATE KEY-----); %s",
                name, CONVERT);
    }

    /** Fails unless {@code key} is the private half of the leaf certificate's key. */
    static void checkPair(X509Certificate leaf, PrivateKey key, String certFile, String keyFile) {
        PublicKey pub = leaf.getPublicKey();
        String alg = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "EdDSA", "Ed25519", "Ed448" -> "EdDSA";
            default -> null;
        };
        if (alg == null) {
            return;
        }
        boolean ok;
        try {
            byte[] probe = "berth client certificate check".getBytes(StandardCharsets.US_ASCII);
            Signature s = Signature.getInstance(alg);
            s.initSign(key);
            s.update(probe);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg);
            v.initVerify(pub);
            v.update(probe);
            ok = v.verify(sig);
        } catch (GeneralSecurityException | RuntimeException e) {
            ok = false;
        }
        if (!ok) {
            throw BerthException.invalidArgument("registry key_file %s does not hold the private key of cert_file %s (%s key, %s certificate)",
                    keyFile, certFile, key.getAlgorithm(), pub.getAlgorithm());
        }
    }

    private static PrivateKey pkcs8(String name, byte[] der) {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String alg : new String[] {"RSA", "EC", "EdDSA"}) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(spec);
            } catch (GeneralSecurityException | RuntimeException e) {
                // try the next algorithm
            }
        }
        throw BerthException.invalidArgument("registry key_file %s: not an RSA, EC or EdDSA private key the JDK can read; %s", name, CONVERT);
    }

    /** The named-curve OID (full TLV) in a SEC1 ECPrivateKey's {@code [0] parameters}. */
    private static byte[] curveOf(String name, byte[] sec1) {
        try {
            int[] outer = header(sec1, 0);
            if (sec1[0] != 0x30) {
                throw new IOException("not a SEQUENCE");
            }
            int p = outer[0];
            int end = p + outer[1];
            while (p < end) {
                int tag = sec1[p] & 0xff;
                int[] h = header(sec1, p);
                if (tag == 0xa0) {
                    int inner = h[0];
                    if (sec1[inner] != 0x06) {
                        break; // explicit curve parameters
                    }
                    int[] oid = header(sec1, inner);
                    return Arrays.copyOfRange(sec1, inner, oid[0] + oid[1]);
                }
                p = h[0] + h[1];
            }
        } catch (IOException | RuntimeException e) {
            throw BerthException.invalidArgument("registry key_file %s: malformed EC PRIVATE KEY (%s); %s", name, e.getMessage(), CONVERT);
        }
        throw BerthException.invalidArgument("registry key_file %s: EC PRIVATE KEY without a named curve; %s", name, CONVERT);
    }

    /** {content offset, content length} of the DER element at {@code p}. */
    private static int[] header(byte[] d, int p) throws IOException {
        if (p + 1 >= d.length) {
            throw new IOException("truncated");
        }
        int len = d[p + 1] & 0xff;
        int off = p + 2;
        if (len > 0x80) {
            int n = len & 0x7f;
            if (n > 3) {
                throw new IOException("length too long");
            }
            len = 0;
            for (int i = 0; i < n; i++) {
                len = (len << 8) | (d[off++] & 0xff);
            }
        } else if (len == 0x80) {
            throw new IOException("indefinite length");
        }
        if (off + len > d.length) {
            throw new IOException("truncated");
        }
        return new int[] {off, len};
    }

    private static byte[] seq(byte[] content) {
        return tlv(0x30, content);
    }

    private static byte[] tlv(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 6);
        out.write(tag);
        int n = content.length;
        if (n < 0x80) {
            out.write(n);
        } else if (n < 0x100) {
            out.write(0x81);
            out.write(n);
        } else if (n < 0x10000) {
            out.write(0x82);
            out.write(n >> 8);
            out.write(n);
        } else {
            out.write(0x83);
            out.write(n >> 16);
            out.write(n >> 8);
            out.write(n);
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
