package dev.berth.core.content;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.Provider;
import java.security.Security;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Message digests for large streams (blob ingest, layer unpack), backed by the system's NSS library (through the JDK's SunPKCS11 provider) when
 * it is installed, else the JDK's own.
 *
 * <p>Why: berthd runs with {@code -XX:TieredStopAtLevel=1} for start-up, and C1 has no SHA-256 intrinsic, so the
 * JDK's pure-Java SHA-256 runs at ~60 MB/s here, slower than a loopback download; NSS (SHA-NI / AVX2 code)
 * does ~1.3 GB/s on the same machine. The provider is used only for the digests this store creates; it is never
 * registered with {@link Security}, so nothing else in the process changes. It is loaded once per process (a
 * native library is process-wide anyway), on the first large ingest, and checked against a known answer.
 */
public final class NativeDigests {
    private static final Logger LOG = LoggerFactory.getLogger(NativeDigests.class);
    /** Below this many expected bytes the JDK digest is fast enough and loading NSS (~tens of ms) is not worth it. */
    static final long MIN_SIZE = 1 << 20;
    /** Where Debian, Ubuntu, Fedora and friends keep libsoftokn3.so. */
    private static final List<String> LIBRARY_DIRS = List.of("/usr/lib/" + multiarch() + "-linux-gnu", "/usr/lib64",
            "/usr/lib/" + multiarch() + "-linux-gnu/nss", "/usr/lib64/nss", "/usr/lib", "/usr/lib/nss");
    private static final String ABC_SHA256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    private NativeDigests() {
    }

    /** Lazily loaded, once: the NSS provider, or empty when it is missing or misbehaves. */
    private static final class Holder {
        static final Optional<Provider> NSS = load();
    }

    /**
     * A fresh digest for {@code algorithm} ({@code sha256} or {@code sha512}): native when NSS is available and
     * {@code expectedSize} is unknown or large, else the JDK's ({@link Digest#newMessageDigest}).
     */
    public static MessageDigest forIngest(String algorithm, long expectedSize) {
        if (expectedSize >= 0 && expectedSize < MIN_SIZE) {
            return Digest.newMessageDigest(algorithm);
        }
        Optional<Provider> nss = Holder.NSS;
        if (nss.isPresent()) {
            try {
                return MessageDigest.getInstance(Digest.newMessageDigest(algorithm).getAlgorithm(), nss.get());
            } catch (GeneralSecurityException | RuntimeException e) {
                LOG.debug("native {} unavailable ({}); using the JDK's", algorithm, e.toString());
            }
        }
        return Digest.newMessageDigest(algorithm);
    }

    private static final AtomicBoolean PRELOADING = new AtomicBoolean();

    /**
     * Starts loading NSS in the background, once per process, so that a pull's first large ingest does not wait
     * for it (~150 ms with C1): called when a lease is created, i.e. when ingests are about to follow.
     */
    public static void preload() {
        if (PRELOADING.compareAndSet(false, true)) {
            Thread t = new Thread(() -> {
                boolean loaded = Holder.NSS.isPresent(); // class initialisation: other callers wait for it
                LOG.trace("native digests preloaded: {}", loaded);
            }, "berth-digest-init");
            t.setDaemon(true);
            t.start();
        }
    }

    /** Whether the native provider loaded (for tests and diagnostics). */
    public static boolean nativeAvailable() {
        return Holder.NSS.isPresent();
    }

    private static Optional<Provider> load() {
        if (Boolean.getBoolean("berth.content.jdkDigests")) {
            return Optional.empty();
        }
        Provider base = Security.getProvider("SunPKCS11");
        if (base == null) {
            LOG.debug("no SunPKCS11 provider in this JDK; content digests use the JDK's SHA-256");
            return Optional.empty();
        }
        for (String dir : LIBRARY_DIRS) {
            if (!Files.isRegularFile(Path.of(dir, "libsoftokn3.so"))) {
                continue;
            }
            long started = System.nanoTime();
            try {
                Provider p = base.configure("--name=BerthContentDigests\nnssLibraryDirectory=" + dir
                        + "\nnssDbMode=noDb\nattributes=compatibility\n");
                MessageDigest md = MessageDigest.getInstance("SHA-256", p);
                md.update("ab".getBytes(StandardCharsets.US_ASCII));
                MessageDigest copy = (MessageDigest) md.clone(); // LocalWriter clones to read a running digest
                copy.update((byte) 'c');
                md.update((byte) 'c');
                if (!HexFormat.of().formatHex(copy.digest()).equals(ABC_SHA256)
                        || !HexFormat.of().formatHex(md.digest()).equals(ABC_SHA256)) {
                    LOG.warn("NSS in {} computes a wrong SHA-256; content digests use the JDK's", dir);
                    return Optional.empty();
                }
                LOG.debug("content digests use NSS from {} (loaded in {} ms)", dir, (System.nanoTime() - started) / 1_000_000);
                return Optional.of(p);
            } catch (Exception | LinkageError e) {
                LOG.debug("cannot use NSS from {} ({}); content digests use the JDK's SHA-256", dir, e.toString());
            }
        }
        return Optional.empty();
    }

    private static String multiarch() {
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        return switch (arch) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            case "ppc64le" -> "powerpc64le";
            default -> arch;
        };
    }
}
