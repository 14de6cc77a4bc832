package dev.berth.core.snapshot;

import dev.berth.core.content.ContentLabels;
import dev.berth.core.errdefs.BerthException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Labels on snapshots (and on content referring to snapshots) that carry meaning beyond the snapshot itself.
 *
 * <p>Garbage collection treats a snapshot labelled {@link #GC_ROOT} as a root, follows a snapshot's parent, and
 * follows labels {@code berth.io/gc.ref.snapshot.<snapshotter>} on content (e.g. an image config names the chain
 * id of its top layer's snapshot) the same way it follows {@link ContentLabels#GC_REF_CONTENT_PREFIX}.
 */
public final class SnapshotLabels {
    /** A snapshot with this label (any value, conventionally an RFC 3339 time) is never collected. */
    public static final String GC_ROOT = ContentLabels.GC_ROOT;
    /**
     * Prefix of labels on content whose value is the name of a committed snapshot it references; the suffix is the
     * snapshotter id, e.g. {@code berth.io/gc.ref.snapshot.overlayfs = sha256:<chain id>}.
     */
    public static final String GC_REF_SNAPSHOT_PREFIX = "berth.io/gc.ref.snapshot.";
    /**
     * On an active snapshot being unpacked: the name (chain id) it will be committed under, so a concurrent unpack of
     * the same layer can find and wait for it.
     */
    public static final String TARGET_REF = "berth.io/snapshot.ref";
    /** Longest label, key and value together in UTF-8 bytes (as containerd). */
    public static final int MAX_LABEL_BYTES = 4096;

    private SnapshotLabels() {
    }

    /** The label naming a snapshot of snapshotter {@code snapshotter}: {@code berth.io/gc.ref.snapshot.<snapshotter>}. */
    public static String gcRefSnapshot(String snapshotter) {
        if (snapshotter == null || snapshotter.isEmpty()) {
            throw new IllegalArgumentException("gc.ref.snapshot label needs a snapshotter id");
        }
        return GC_REF_SNAPSHOT_PREFIX + snapshotter;
    }

    /**
     * Checks labels given to a snapshotter.
     *
     * @throws BerthException INVALID_ARGUMENT naming the label when a key is empty or a label is too long
     */
    public static void validate(Map<String, String> labels) {
        if (labels == null) {
            return;
        }
        for (Map.Entry<String, String> e : labels.entrySet()) {
            String k = e.getKey();
            String v = e.getValue();
            if (k == null || k.isEmpty()) {
                throw BerthException.invalidArgument("label key must not be empty");
            }
            if (v == null) {
                throw BerthException.invalidArgument("label %s: value must not be null", k);
            }
            int n = k.getBytes(StandardCharsets.UTF_8).length + v.getBytes(StandardCharsets.UTF_8).length;
            if (n > MAX_LABEL_BYTES) {
                throw BerthException.invalidArgument("label %s is %d bytes, over the limit of %d", k, n, MAX_LABEL_BYTES);
            }
        }
    }

    /**
     * The labels of snapshot {@code info.name()} after {@link Snapshotter#update}{@code (info, fieldpaths)}, given its
     * {@code current} ones: with no field paths or {@code "labels"}, exactly {@code info.labels()}; with
     * {@code "labels.<key>"}, that label taken from {@code info}, or removed when {@code info} lacks it. Validated.
     *
     * @throws BerthException INVALID_ARGUMENT for any other field path, or a bad label
     */
    public static Map<String, String> updated(Map<String, String> current, Info info, String... fieldpaths) {
        Map<String, String> labels = fieldpaths.length == 0 ? new HashMap<>(info.labels()) : new HashMap<>(current);
        for (String path : fieldpaths) {
            if (path.equals("labels")) {
                labels = new HashMap<>(info.labels());
            } else if (path.startsWith("labels.") && path.length() > "labels.".length()) {
                String k = path.substring("labels.".length());
                String v = info.labels().get(k);
                if (v == null) {
                    labels.remove(k);
                } else {
                    labels.put(k, v);
                }
            } else {
                throw BerthException.invalidArgument("cannot update field %s of snapshot %s: only labels and"
                        + " labels.<key> can change", path, info.name());
            }
        }
        validate(labels);
        return labels;
    }
}
