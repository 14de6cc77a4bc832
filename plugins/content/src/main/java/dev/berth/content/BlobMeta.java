package dev.berth.content;

import java.time.Instant;
import java.util.Map;

/** What {@code meta.db} keeps about a committed blob; its size comes from the blob file itself. */
record BlobMeta(Instant createdAt, Instant updatedAt, Map<String, String> labels) {
    BlobMeta {
        labels = Map.copyOf(labels);
    }
}
