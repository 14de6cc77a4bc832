package dev.berth.core.content;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A content-addressed blob store (plugin type {@link dev.berth.core.plugin.PluginTypes#CONTENT}), modelled on
 * containerd's content store.
 *
 * <p>A blob is visible (to {@link #info}, {@link #openReader}, {@link #walk}) only once a {@link Writer} has
 * committed it, after verifying its size and digest; nothing half-written is ever readable by digest. Writes in
 * progress are <em>ingests</em>, named by a caller-chosen ref, listed by {@link #ingests()}: they survive a
 * restart and are resumed by opening a writer for the same ref.
 *
 * <p>Errors are {@link dev.berth.core.errdefs.BerthException}s: NOT_FOUND for a missing blob, ingest or lease,
 * INVALID_ARGUMENT for malformed input (naming it), UNAVAILABLE when a ref is locked by another open writer.
 * Implementations are safe for concurrent use.
 */
public interface ContentStore {
    /** The committed blob with this digest, if any. */
    Optional<Info> info(Digest digest);

    /**
     * Changes labels of a committed blob: each entry sets a label, an entry with an empty value removes it;
     * labels not mentioned stay.
     *
     * @return the blob after the change
     * @throws dev.berth.core.errdefs.BerthException NOT_FOUND when there is no such blob; INVALID_ARGUMENT for an
     *                                               empty key or an oversized label
     */
    Info update(Digest digest, Map<String, String> labels);

    /**
     * Calls {@code consumer} with every committed blob that {@code filter} matches, in no particular order. The
     * consumer may call back into the store.
     */
    void walk(Filter filter, Consumer<Info> consumer);

    /**
     * Deletes a committed blob. Readers already open keep working.
     *
     * @throws dev.berth.core.errdefs.BerthException NOT_FOUND when there is no such blob; FAILED_PRECONDITION when an
     *                                               unexpired lease holds it
     */
    void delete(Digest digest);

    /**
     * Opens a committed blob for reading.
     *
     * @throws dev.berth.core.errdefs.BerthException NOT_FOUND when there is no such blob
     */
    ReaderAt openReader(Digest digest);

    /**
     * Opens a writer for {@code ref}, resuming its ingest if one exists: {@link Writer#offset()} then starts at the
     * bytes already written. An existing ingest opened with a different expected size or digest is reset first.
     *
     * @param ref          the caller's name for this write; one writer per ref at a time
     * @param expectedSize the blob's size if known, else -1
     * @param expected     the blob's digest if known, else null; also picks the digest algorithm
     * @throws dev.berth.core.errdefs.BerthException UNAVAILABLE ("ref … is locked") while another writer for
     *                                               {@code ref} is open; ALREADY_EXISTS when {@code expected} is
     *                                               given and already committed (nothing to write; callers treat
     *                                               it as success); INVALID_ARGUMENT for an empty ref
     */
    Writer writer(String ref, long expectedSize, Digest expected);

    /** The ingests in progress or left behind (by a crash or a closed writer). */
    List<Status> ingests();

    /**
     * Removes the ingest of {@code ref}. An open writer for it fails from then on.
     *
     * @throws dev.berth.core.errdefs.BerthException NOT_FOUND when there is no such ingest
     */
    void abort(String ref);

    /** Bytes used by committed blobs. */
    long usage();

    /**
     * Creates a lease.
     *
     * @param id     letters, digits and {@code . _ -} separators, at most 76 characters
     * @param labels free-form labels
     * @param expire how long until it expires, or null for never
     * @throws dev.berth.core.errdefs.BerthException ALREADY_EXISTS when the id is taken; INVALID_ARGUMENT for a
     *                                               malformed id or a non-positive {@code expire}
     */
    Lease createLease(String id, Map<String, String> labels, Duration expire);

    /**
     * Deletes a lease; the blobs it held are no longer protected by it.
     *
     * @throws dev.berth.core.errdefs.BerthException NOT_FOUND when there is no such lease
     */
    void deleteLease(String id);

    /**
     * Adds {@code digest} to the lease's resources. The blob need not exist yet: take the lease before writing.
     *
     * @throws dev.berth.core.errdefs.BerthException NOT_FOUND when there is no such lease
     */
    void addLeaseResource(String leaseId, Digest digest);

    /** Every lease, expired ones included until {@link #collectExpiredLeases()} removes them. */
    List<Lease> leases();

    /**
     * Removes every lease that has expired.
     *
     * @return the leases removed
     */
    List<Lease> collectExpiredLeases();
}
