package dev.berth.core.content;

/**
 * Labels on blobs that carry meaning beyond the blob itself.
 *
 * <p>Garbage collection of content (a later part of Berth) follows these labels the way containerd's collector
 * follows {@code containerd.io/gc.*}: it starts at roots (blobs labelled {@link #GC_ROOT}, blobs held by a
 * {@link Lease}, and blobs that images and snapshots reference), follows every
 * {@code berth.io/gc.ref.content.*} label to the blob whose digest is the label's value, and removes whatever it
 * did not reach. An image pull therefore labels a manifest with its config and layers, e.g.
 * {@code berth.io/gc.ref.content.config = sha256:…} and {@code berth.io/gc.ref.content.l.0 = sha256:…}, and an
 * index with its manifests ({@code berth.io/gc.ref.content.m.0}). The suffix after the prefix only has to be
 * unique on the blob.
 */
public final class ContentLabels {
    /** Prefix of labels whose value is the digest of a blob this blob references. */
    public static final String GC_REF_CONTENT_PREFIX = "berth.io/gc.ref.content.";
    /** A blob with this label (any value, conventionally an RFC 3339 time) is a GC root: it is never collected. */
    public static final String GC_ROOT = "berth.io/gc.root";
    /** On a compressed layer: the digest of its uncompressed form (the diff id), so unpacking need not recompute it. */
    public static final String UNCOMPRESSED = "berth.io/uncompressed";

    private ContentLabels() {
    }

    /** The label naming a referenced blob: {@code berth.io/gc.ref.content.<suffix>}. */
    public static String gcRefContent(String suffix) {
        if (suffix == null || suffix.isEmpty()) {
            throw new IllegalArgumentException("gc.ref.content label needs a suffix");
        }
        return GC_REF_CONTENT_PREFIX + suffix;
    }
}
