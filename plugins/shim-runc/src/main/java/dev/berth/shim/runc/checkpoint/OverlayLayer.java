package dev.berth.shim.runc.checkpoint;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.mount.Mount;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The writable layer of a container's root filesystem and the read-only layers under it, read from the mounts that
 * make it: an overlay's {@code upperdir} and {@code lowerdir}s, or the directory of a writable bind mount (a snapshot
 * without parent, whose every file the container wrote).
 *
 * @param upper       the writable directory, or null when the root filesystem is read-only (nothing to diff)
 * @param lowers      the layers below, nearest first
 * @param opaqueXattr the extended attribute overlayfs marks opaque directories with in this mount
 */
public record OverlayLayer(Path upper, List<Path> lowers, String opaqueXattr) {
    static final String TRUSTED_OPAQUE = "trusted.overlay.opaque";
    static final String USER_OPAQUE = "user.overlay.opaque";

    public OverlayLayer {
        lowers = List.copyOf(lowers);
    }

    /**
     * The layers of the topmost of {@code rootfs}.
     *
     * @throws BerthException FAILED_PRECONDITION for a mount type whose writable layer cannot be told
     */
    public static OverlayLayer of(List<Mount> rootfs) {
        if (rootfs.isEmpty()) {
            throw BerthException.failedPrecondition("the container's root filesystem has no mounts to take changes from");
        }
        Mount m = rootfs.get(rootfs.size() - 1).resolved();
        switch (m.type()) {
            case "overlay":
                return overlay(m);
            case "bind":
            case "rbind":
                return new OverlayLayer(m.options().contains("ro") ? null : Path.of(m.source()), List.of(),
                        TRUSTED_OPAQUE);
            default:
                throw BerthException.failedPrecondition("cannot tell the writable layer of a %s root filesystem",
                        m.type());
        }
    }

    private static OverlayLayer overlay(Mount m) {
        Path upper = null;
        List<Path> lowers = new ArrayList<>();
        String opaque = TRUSTED_OPAQUE;
        for (String o : m.options()) {
            if (o.startsWith("upperdir=")) {
                upper = Path.of(o.substring("upperdir=".length()));
            } else if (o.startsWith("lowerdir=")) {
                for (String l : o.substring("lowerdir=".length()).split(":")) {
                    if (!l.isEmpty()) {
                        lowers.add(Path.of(l));
                    }
                }
            } else if (o.equals("userxattr")) {
                opaque = USER_OPAQUE;
            }
        }
        return new OverlayLayer(upper, lowers, opaque);
    }
}
