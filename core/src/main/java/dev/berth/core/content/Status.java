package dev.berth.core.content;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * An ingest in progress: a write under {@code ref} that has not been committed or aborted yet. It survives a
 * daemon restart; opening a {@link Writer} for the same ref resumes it at {@code offset}.
 *
 * @param ref       the caller's name for the write (e.g. {@code pull-<image>-<digest>})
 * @param offset    bytes written so far
 * @param total     the size the writer was opened with, or -1 when unknown
 * @param expected  the digest the writer was opened with, if any
 * @param startedAt when the ingest was first opened
 * @param updatedAt when data was last written to it
 */
public record Status(String ref, long offset, long total, Optional<Digest> expected, Instant startedAt, Instant updatedAt) {
    public Status {
        Objects.requireNonNull(ref, "ref");
        Objects.requireNonNull(expected, "expected");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(updatedAt, "updatedAt");
    }
}
