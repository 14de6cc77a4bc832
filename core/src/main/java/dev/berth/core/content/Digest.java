package dev.berth.core.content;

import dev.berth.core.errdefs.BerthException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A content digest as in the OCI image spec: {@code <algorithm>:<lowercase hex>}. Berth accepts the two
 * registered algorithms, {@code sha256} (64 hex digits) and {@code sha512} (128 hex digits).
 *
 * <p>Construction validates: a malformed value is a {@link BerthException} INVALID_ARGUMENT naming the value.
 *
 * @param algorithm {@link #SHA256} or {@link #SHA512}
 * @param hex       the lowercase hex encoding of the hash
 */
public record Digest(String algorithm, String hex) {
    public static final String SHA256 = "sha256";
    public static final String SHA512 = "sha512";

    public Digest {
        if (algorithm == null || hex == null) {
            throw BerthException.invalidArgument("invalid digest %s:%s: algorithm and hex are required", algorithm, hex);
        }
        int want = hexLength(algorithm);
        if (want < 0) {
            throw BerthException.invalidArgument("invalid digest \"%s:%s\": unsupported algorithm \"%s\" (want sha256 or sha512)",
                    algorithm, hex, algorithm);
        }
        if (hex.length() != want || !isLowerHex(hex)) {
            throw BerthException.invalidArgument("invalid digest \"%s:%s\": %s needs %d lowercase hex digits",
                    algorithm, hex, algorithm, want);
        }
    }

    /**
     * Parses {@code sha256:<64 hex>} or {@code sha512:<128 hex>}.
     *
     * @throws BerthException INVALID_ARGUMENT naming {@code value} when it is malformed
     */
    public static Digest parse(String value) {
        if (value == null) {
            throw BerthException.invalidArgument("invalid digest: null");
        }
        int colon = value.indexOf(':');
        if (colon <= 0) {
            throw BerthException.invalidArgument("invalid digest \"%s\": want <algorithm>:<hex>", value);
        }
        String alg = value.substring(0, colon);
        String hex = value.substring(colon + 1);
        if (hexLength(alg) < 0) {
            throw BerthException.invalidArgument("invalid digest \"%s\": unsupported algorithm \"%s\" (want sha256 or sha512)",
                    value, alg);
        }
        return new Digest(alg, hex);
    }

    /** The digest of {@code data} with {@code algorithm}. */
    public static Digest of(String algorithm, byte[] data) {
        MessageDigest md = newMessageDigest(algorithm);
        return fromMessageDigest(algorithm, md.digest(data));
    }

    /** The sha256 digest of {@code data}. */
    public static Digest sha256(byte[] data) {
        return of(SHA256, data);
    }

    /** A fresh {@link MessageDigest} for {@code algorithm} ({@code sha256} or {@code sha512}). */
    public static MessageDigest newMessageDigest(String algorithm) {
        String jca = switch (Objects.requireNonNull(algorithm, "algorithm")) {
            case SHA256 -> "SHA-256";
            case SHA512 -> "SHA-512";
            default -> throw BerthException.invalidArgument("unsupported digest algorithm \"%s\" (want sha256 or sha512)", algorithm);
        };
        try {
            return MessageDigest.getInstance(jca);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("JDK lacks " + jca, e); // every Java SE runtime has both
        }
    }

    /** The digest whose hash bytes are {@code hash} (the result of {@link MessageDigest#digest()}). */
    public static Digest fromMessageDigest(String algorithm, byte[] hash) {
        return new Digest(algorithm, HexFormat.of().formatHex(hash));
    }

    /** A fresh {@link MessageDigest} for this digest's algorithm. */
    public MessageDigest messageDigest() {
        return newMessageDigest(algorithm);
    }

    /** {@code <algorithm>:<hex>}, the form used on the wire and in manifests. */
    @Override
    public String toString() {
        return algorithm + ":" + hex;
    }

    private static int hexLength(String algorithm) {
        return switch (algorithm) {
            case SHA256 -> 64;
            case SHA512 -> 128;
            default -> -1;
        };
    }

    private static boolean isLowerHex(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }
}
