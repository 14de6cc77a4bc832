package dev.berth.core.diff;

/** How the OCI whiteout entries of a layer ({@code .wh.<name>}, {@code .wh..wh..opq}) are written to the target. */
public enum WhiteoutStyle {
    /**
     * For an overlayfs upper directory: {@code .wh.<name>} becomes a character device 0:0 called {@code <name>},
     * and {@code .wh..wh..opq} sets {@code trusted.overlay.opaque=y} (or {@code user.overlay.opaque=y} with
     * {@link ApplyOptions#userXattr()}) on its directory. The target starts empty.
     */
    OVERLAY,
    /**
     * For a plain-directory snapshotter whose target already holds the parent layers' files: {@code .wh.<name>}
     * deletes {@code <name>}, and {@code .wh..wh..opq} deletes everything in its directory that this layer did not
     * itself write. Nothing marks the whiteout on disk.
     */
    NATIVE
}
