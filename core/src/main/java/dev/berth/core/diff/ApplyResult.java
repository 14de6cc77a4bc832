package dev.berth.core.diff;

import dev.berth.core.content.Digest;
import java.util.Objects;

/**
 * What {@link Applier#apply} read.
 *
 * @param diffId           sha256 of the uncompressed tar stream, to compare with the image config's
 *                         {@code rootfs.diff_ids} entry for this layer
 * @param uncompressedSize bytes in the uncompressed tar stream, including padding after the end-of-archive marker
 * @param entries          tar entries processed (files, directories, links, devices, whiteouts); PAX and GNU
 *                         long-name headers are not counted
 */
public record ApplyResult(Digest diffId, long uncompressedSize, long entries) {
    public ApplyResult {
        Objects.requireNonNull(diffId, "diffId");
    }
}
