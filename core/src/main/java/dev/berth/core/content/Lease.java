package dev.berth.core.content;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A lease keeps blobs alive while a client works with them, before anything labelled as a root references
 * them (e.g. the layers of an image whose pull has not finished). While an unexpired lease lists a digest, the
 * content store refuses to delete that blob, and garbage collection treats it as a root. An expired lease
 * protects nothing and is removed by {@link ContentStore#collectExpiredLeases()}.
 *
 * @param id        the lease id
 * @param labels    free-form labels, immutable
 * @param createdAt when the lease was created
 * @param expiresAt when it expires, or empty for never
 * @param resources the digests it holds, immutable
 */
public record Lease(String id, Map<String, String> labels, Instant createdAt, Optional<Instant> expiresAt,
                    Set<Digest> resources) {
    public Lease {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(expiresAt, "expiresAt");
        labels = Map.copyOf(labels);
        resources = Set.copyOf(resources);
    }

    /** Whether the lease has expired at {@code now}. */
    public boolean expiredAt(Instant now) {
        return expiresAt.map(e -> !e.isAfter(now)).orElse(false);
    }
}
