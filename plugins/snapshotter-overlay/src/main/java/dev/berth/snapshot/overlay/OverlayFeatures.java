package dev.berth.snapshot.overlay;

import dev.berth.core.fs.FileTrees;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.mount.Mount;
import dev.berth.core.mount.Mounts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the running kernel's overlayfs accepts, found once at start by mounting small overlays in a scratch
 * directory (on the same file system as the snapshots, whose xattr and d_type support matter too).
 *
 * @param indexOff  pass {@code index=off}: lower dirs are shared between many overlays, and with the inodes index
 *                  on, a second mount of a lower with another upper fails or copies up oddly
 * @param userxattr pass {@code userxattr}: only inside a user namespace, where {@code trusted.*} xattrs cannot
 *                  be written; whiteouts and opaque dirs then use {@code user.overlay.*}
 */
record OverlayFeatures(boolean indexOff, boolean userxattr) {
    private static final Logger LOG = LoggerFactory.getLogger(OverlayFeatures.class);
    private static final Path PARAMETERS = Path.of("/sys/module/overlay/parameters");

    /** The options every overlay mount gets, before upperdir/workdir/lowerdir. */
    List<String> options() {
        List<String> o = new ArrayList<>(2);
        if (indexOff) {
            o.add("index=off");
        }
        if (userxattr) {
            o.add("userxattr");
        }
        return o;
    }

    /**
     * Probes overlayfs under {@code scratch} (created and removed again).
     *
     * @throws BerthException UNAVAILABLE if no overlay can be mounted at all
     */
    static OverlayFeatures detect(Path scratch) {
        cleanup(scratch);
        try {
            Files.createDirectories(scratch);
            String plain = probe(scratch, "plain", List.of());
            if (plain != null) {
                throw BerthException.unavailable("overlayfs cannot be mounted under %s: %s", scratch, plain);
            }
            boolean inUserNs = inUserNamespace();
            boolean indexOff = probe(scratch, "index", List.of("index=off")) == null;
            boolean userxattr = inUserNs && probe(scratch, "userxattr", List.of("userxattr")) == null;
            OverlayFeatures f = new OverlayFeatures(indexOff, userxattr);
            LOG.info("overlayfs: index=off {}, user namespace {}, userxattr {} (kernel defaults: index={}, metacopy={},"
                            + " redirect_dir={})", indexOff ? "supported" : "unsupported", inUserNs ? "yes" : "no",
                    userxattr ? "used" : "not used", parameter("index"), parameter("metacopy"), parameter("redirect_dir"));
            return f;
        } catch (IOException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, "overlayfs probe under " + scratch + ": " + e, e);
        } finally {
            cleanup(scratch);
        }
    }

    /** Mounts a two-lower overlay with {@code extra} options; null if that worked, else mount's message. */
    private static String probe(Path scratch, String name, List<String> extra) throws IOException {
        Path dir = scratch.resolve(name);
        for (String d : List.of("l1", "l2", "upper", "work", "merged")) {
            Files.createDirectories(dir.resolve(d));
        }
        Files.writeString(dir.resolve("l1/probe"), "probe", StandardCharsets.UTF_8);
        List<String> options = new ArrayList<>(extra);
        // relative paths, as the snapshotter's own mounts use them
        options.addAll(List.of("workdir=work", "upperdir=upper", "lowerdir=l2:l1"));
        Path merged = dir.resolve("merged");
        try {
            Mounts.mount(new Mount("overlay", "overlay", options, dir.toAbsolutePath()), merged);
        } catch (BerthException e) {
            return e.getMessage();
        }
        try {
            if (!Files.exists(merged.resolve("probe"))) {
                return "lower file not visible through the overlay";
            }
            return null;
        } finally {
            Mounts.unmountAll(merged);
        }
    }

    private static boolean inUserNamespace() {
        try {
            String map = Files.readString(Path.of("/proc/self/uid_map"), StandardCharsets.UTF_8).trim();
            return !map.matches("0\\s+0\\s+4294967295");
        } catch (IOException e) {
            return false; // no user namespaces in this kernel
        }
    }

    private static String parameter(String name) {
        try {
            return Files.readString(PARAMETERS.resolve(name), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            return "?";
        }
    }

    /** Removes a scratch tree left by this probe, or by one interrupted by a crash (unmounting first). */
    private static void cleanup(Path scratch) {
        if (!Files.exists(scratch)) {
            return;
        }
        try {
            for (Path m : Mounts.mountPointsUnder(scratch)) {
                Mounts.unmountAll(m);
            }
            FileTrees.deleteRecursively(scratch);
        } catch (IOException | RuntimeException e) {
            LOG.warn("overlayfs: cannot remove probe directory {}: {}", scratch, e.toString());
        }
    }
}
