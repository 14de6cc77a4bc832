package dev.berth.core.diff;

import java.util.Objects;

/**
 * How to apply a layer.
 *
 * @param whiteouts    how whiteout entries are written
 * @param userXattr    with {@link WhiteoutStyle#OVERLAY}: mark opaque directories with {@code user.overlay.opaque}
 *                     instead of {@code trusted.overlay.opaque} (overlayfs mounted with {@code userxattr}, as in a
 *                     user namespace)
 * @param unprivileged the daemon runs without real root (rootless or in a user namespace): device-node entries
 *                     are refused, and ownership or privileged xattrs the kernel will not let us set are skipped
 *                     instead of failing the layer
 * @param uidOffset    added to every entry's uid (user-namespace remapping); 0 for none
 * @param gidOffset    added to every entry's gid; 0 for none
 */
public record ApplyOptions(WhiteoutStyle whiteouts, boolean userXattr, boolean unprivileged, long uidOffset,
                           long gidOffset) {
    /** Overlay whiteouts with trusted xattrs, as root, no id remapping: what the overlay snapshotter uses. */
    public static final ApplyOptions OVERLAY = new ApplyOptions(WhiteoutStyle.OVERLAY, false, false, 0, 0);
    /** Native whiteouts (deletions), as root, no id remapping: for a plain-directory snapshotter. */
    public static final ApplyOptions NATIVE = new ApplyOptions(WhiteoutStyle.NATIVE, false, false, 0, 0);

    public ApplyOptions {
        Objects.requireNonNull(whiteouts, "whiteouts");
        if (uidOffset < 0 || uidOffset > 0xFFFF_FFFEL || gidOffset < 0 || gidOffset > 0xFFFF_FFFEL) {
            throw new IllegalArgumentException("uid/gid offsets must be in [0, 2^32-2]: " + uidOffset + "/" + gidOffset);
        }
    }

    public ApplyOptions withUserXattr(boolean value) {
        return new ApplyOptions(whiteouts, value, unprivileged, uidOffset, gidOffset);
    }

    public ApplyOptions withUnprivileged(boolean value) {
        return new ApplyOptions(whiteouts, userXattr, value, uidOffset, gidOffset);
    }

    public ApplyOptions withIdOffsets(long uid, long gid) {
        return new ApplyOptions(whiteouts, userXattr, unprivileged, uid, gid);
    }

    /** The xattr that marks an opaque directory for overlayfs under these options. */
    public String opaqueXattr() {
        return userXattr ? "user.overlay.opaque" : "trusted.overlay.opaque";
    }
}
