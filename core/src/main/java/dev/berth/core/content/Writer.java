package dev.berth.core.content;

import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Map;

/**
 * Writes one blob under a ref (see {@link ContentStore#writer}). Data goes to an ingest that nothing can read by
 * digest; {@link #commit} verifies it and makes it a blob atomically. While a writer is open it holds the lock
 * on its ref; {@link #close()} releases the lock and keeps the ingest, so a later writer for the same ref resumes
 * at {@link #offset()}.
 *
 * <p>Methods throw {@link dev.berth.core.errdefs.BerthException} FAILED_PRECONDITION once the writer is closed,
 * committed or its ingest aborted.
 */
public interface Writer extends AutoCloseable {
    /** The ref this writer holds. */
    String ref();

    /**
     * Appends every remaining byte of {@code data}.
     *
     * @throws dev.berth.core.errdefs.BerthException FAILED_PRECONDITION when the writer was opened with an expected
     *                                               size and this write would go past it
     */
    void write(ByteBuffer data);

    /**
     * An {@link OutputStream} view that appends through {@link #write}. Closing the stream does not close this
     * writer.
     */
    OutputStream outputStream();

    /** The number of bytes in the ingest so far, including bytes written before a resume. */
    long offset();

    /**
     * The digest of the bytes written so far, computed with the expected digest's algorithm (sha256 when none
     * was given).
     */
    Digest digest();

    /**
     * Verifies the ingest and makes it a blob, atomically and durably.
     *
     * @param size     the size it must have; -1 to check only the expected size given at open, if any
     * @param expected the digest it must have; null to check only the digest given at open, if any
     * @param labels   labels for the new blob; entries with an empty value are ignored
     * @return the committed blob
     * @throws dev.berth.core.errdefs.BerthException FAILED_PRECONDITION (message naming expected and actual) when
     *         size or digest do not match: the ingest is discarded; ALREADY_EXISTS when a blob with this digest
     *         exists already: the ingest is discarded too, and callers usually treat this as success; either way
     *         the writer is closed
     */
    Info commit(long size, Digest expected, Map<String, String> labels);

    /** The state of this writer's ingest. */
    Status status();

    /** Releases the ref lock and keeps the ingest for a later resume; does nothing after commit. */
    @Override
    void close();
}
