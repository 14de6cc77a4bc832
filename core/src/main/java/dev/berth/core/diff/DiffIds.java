package dev.berth.core.diff;

import dev.berth.core.content.Digest;
import dev.berth.core.errdefs.BerthException;
import java.util.Objects;

/** Checks an applied layer against the image config. */
public final class DiffIds {
    private DiffIds() {
    }

    /**
     * Fails unless the layer unpacked to the diff id the image config's {@code rootfs.diff_ids} lists for it.
     * The caller must then discard the snapshot it applied into.
     *
     * @param layer    a short name for the layer in the message (its blob digest or index)
     * @param expected the config's diff id
     * @throws BerthException INVALID_ARGUMENT naming the layer and both digests on mismatch
     */
    public static void verify(String layer, Digest expected, ApplyResult result) {
        Objects.requireNonNull(expected, "expected");
        if (!expected.equals(result.diffId())) {
            throw BerthException.invalidArgument(
                    "layer %s: diff id mismatch: image config rootfs.diff_ids says %s, the uncompressed layer is %s",
                    layer, expected, result.diffId());
        }
    }
}
