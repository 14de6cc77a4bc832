package dev.berth.core.snapshot;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * What a snapshotter knows about one snapshot.
 *
 * @param name    the key of an active snapshot or view, or the name of a committed snapshot
 * @param parent  the name of the committed parent, or {@code null} for a snapshot without parent
 * @param kind    active, view or committed
 * @param labels  caller-defined labels (see {@link SnapshotLabels}); never null
 * @param created when the snapshot was prepared (for a committed snapshot: when it was committed)
 * @param updated when the labels last changed, or {@code created}
 */
public record Info(String name, String parent, Kind kind, Map<String, String> labels, Instant created, Instant updated) {
    public Info {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        Objects.requireNonNull(created, "created");
        Objects.requireNonNull(updated, "updated");
    }

    /** A copy with these labels, for {@link Snapshotter#update}. */
    public Info withLabels(Map<String, String> newLabels) {
        return new Info(name, parent, kind, newLabels, created, updated);
    }
}
