package dev.berth.core.content;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * A committed blob.
 *
 * @param digest    its digest
 * @param size      its size in bytes
 * @param createdAt when it was committed
 * @param updatedAt when its labels last changed (equal to {@code createdAt} until then)
 * @param labels    its labels, immutable; see {@link ContentLabels} for the ones garbage collection follows
 */
public record Info(Digest digest, long size, Instant createdAt, Instant updatedAt, Map<String, String> labels) {
    public Info {
        Objects.requireNonNull(digest, "digest");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(updatedAt, "updatedAt");
        labels = Map.copyOf(labels);
    }
}
