package dev.berth.content;

import dev.berth.core.content.Digest;
import dev.berth.core.content.NativeDigests;
import dev.berth.core.content.Info;
import dev.berth.core.content.Status;
import dev.berth.core.content.Writer;
import dev.berth.core.errdefs.BerthException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * A writer holding the lock on one ref. Created in state NEW as the lock token, then {@link #open} creates or
 * resumes the ingest. All methods are synchronized: one writer is used by one caller at a time anyway, and the
 * store may abort it from another thread.
 */
final class LocalWriter implements Writer {
    private enum State { NEW, OPEN, CLOSED, COMMITTED, ABORTED }

    /** What {@link #abortByStore()} did. */
    enum AbortResult { ABORTED, BUSY, FINISHED }

    private static final int REPLAY_CHUNK = 1 << 18;

    private final LocalContentStore store;
    private final String ref;
    private State state = State.NEW;
    private IngestDir ingest;
    private IngestDir.Header header;
    private FileChannel channel;
    private MessageDigest md;
    private String algorithm;
    private long offset;

    LocalWriter(LocalContentStore store, String ref) {
        this.store = store;
        this.ref = ref;
    }

    /** Creates the ingest, or resumes it: offset = bytes on disk, running digest recomputed from them. */
    synchronized void open(Path ingestRoot, long expectedSize, Digest expected, Instant now) throws IOException {
        IngestDir dir = IngestDir.forRef(ingestRoot, ref);
        IngestDir.Header h = resumable(dir, expectedSize, expected).orElse(null);
        if (h == null) {
            dir.delete();
            dir = IngestDir.create(ingestRoot, ref, expectedSize, expected, now);
            h = new IngestDir.Header(ref, now, expectedSize, expected);
        }
        FileOps.setPermissions(dir.data(), FileOps.OWNER_RW); // a commit that failed after chmod 0444 leaves it read-only
        FileChannel ch = FileChannel.open(dir.data(), StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            String alg = h.expected() != null ? h.expected().algorithm() : Digest.SHA256;
            MessageDigest digest = NativeDigests.forIngest(alg, h.total());
            long size = replay(ch, digest, ch.size());
            ch.position(size);
            this.ingest = dir;
            this.header = h;
            this.channel = ch;
            this.md = digest;
            this.algorithm = alg;
            this.offset = size;
            this.state = State.OPEN;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** The existing ingest's header if it can be resumed for these expectations (filling in ones it lacked). */
    private Optional<IngestDir.Header> resumable(IngestDir dir, long expectedSize, Digest expected) throws IOException {
        Optional<IngestDir.Header> read = dir.read();
        if (read.isEmpty()) {
            return Optional.empty();
        }
        IngestDir.Header old = read.get();
        if (!old.ref().equals(ref)
                || expectedSize >= 0 && old.total() >= 0 && old.total() != expectedSize
                || expected != null && old.expected() != null && !old.expected().equals(expected)
                || expectedSize >= 0 && Files.size(dir.data()) > expectedSize) {
            return Optional.empty();
        }
        long total = old.total() >= 0 ? old.total() : expectedSize;
        Digest exp = old.expected() != null ? old.expected() : expected;
        if (total != old.total() || exp != old.expected()) {
            dir.updateExpectations(total, exp);
        }
        return Optional.of(new IngestDir.Header(ref, old.startedAt(), total, exp));
    }

    /** Feeds bytes [0, size) of {@code ch} to {@code digest}; returns the count read. */
    private static long replay(FileChannel ch, MessageDigest digest, long size) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(REPLAY_CHUNK);
        long pos = 0;
        while (pos < size) {
            buf.clear();
            if (size - pos < buf.capacity()) {
                buf.limit((int) (size - pos));
            }
            int n = ch.read(buf, pos);
            if (n < 0) {
                break;
            }
            buf.flip();
            digest.update(buf);
            pos += n;
        }
        return pos;
    }

    @Override
    public String ref() {
        return ref;
    }

    @Override
    public synchronized void write(ByteBuffer data) {
        ensureOpen();
        int len = data.remaining();
        if (header.total() >= 0 && offset + len > header.total()) {
            throw BerthException.failedPrecondition("write to ref %s would grow it to %d bytes, past its expected size %d",
                    ref, offset + len, header.total());
        }
        try {
            while (data.hasRemaining()) {
                int start = data.position();
                int n = channel.write(data);
                ByteBuffer done = data.duplicate();
                done.position(start).limit(start + n);
                md.update(done);
                offset += n;
            }
        } catch (IOException e) {
            // The file may hold bytes the digest has not seen: close, so a resume recomputes from disk.
            close();
            throw IoErrors.of("write to ref " + ref + " failed (open a writer again to resume)", e);
        }
    }

    @Override
    public OutputStream outputStream() {
        return new OutputStream() {
            @Override
            public void write(int b) {
                LocalWriter.this.write(ByteBuffer.wrap(new byte[] {(byte) b}));
            }

            @Override
            public void write(byte[] b, int off, int len) {
                LocalWriter.this.write(ByteBuffer.wrap(b, off, len));
            }
        };
    }

    @Override
    public synchronized long offset() {
        ensureOpen();
        return offset;
    }

    @Override
    public synchronized Digest digest() {
        ensureOpen();
        return currentDigest();
    }

    private Digest currentDigest() {
        try {
            return Digest.fromMessageDigest(algorithm, ((MessageDigest) md.clone()).digest());
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("JDK message digest " + md.getAlgorithm() + " cannot be cloned", e);
        }
    }

    @Override
    public synchronized Info commit(long size, Digest expected, Map<String, String> labels) {
        ensureOpen();
        Map<String, String> cleanLabels = Labels.forCommit(labels);
        long wantSize = size >= 0 ? size : header.total();
        Digest want = expected != null ? expected : header.expected();
        try {
            if (wantSize >= 0 && offset != wantSize) {
                discard();
                throw BerthException.failedPrecondition("commit of ref %s: unexpected size %d, expected %d; ingest discarded",
                        ref, offset, wantSize);
            }
            Digest actual = want == null || want.algorithm().equals(algorithm) ? currentDigest() : digestWith(want.algorithm());
            if (want != null && !want.equals(actual)) {
                discard();
                throw BerthException.failedPrecondition("commit of ref %s: unexpected digest %s, expected %s; ingest discarded",
                        ref, actual, want);
            }
            channel.force(true);
            channel.close();
            Info info = store.publish(ingest, actual, offset, cleanLabels);
            state = State.COMMITTED;
            return info;
        } catch (IOException e) {
            throw IoErrors.of("commit of ref " + ref + " failed", e);
        } finally {
            if (state == State.OPEN) {
                state = State.CLOSED;
            }
            closeChannelQuietly();
            store.release(ref, this);
        }
    }

    private Digest digestWith(String alg) throws IOException {
        MessageDigest other = Digest.newMessageDigest(alg);
        replay(channel, other, offset);
        return Digest.fromMessageDigest(alg, other.digest());
    }

    private void discard() throws IOException {
        closeChannelQuietly();
        ingest.delete();
        state = State.ABORTED;
    }

    @Override
    public synchronized Status status() {
        ensureOpen();
        try {
            return ingest.status(header).orElseThrow(() -> BerthException.notFound("ingest %s: not found", ref));
        } catch (IOException e) {
            throw IoErrors.of("status of ref " + ref, e);
        }
    }

    /** Store-side abort: removes the ingest if this writer is open; see {@link AbortResult}. */
    synchronized AbortResult abortByStore() throws IOException {
        switch (state) {
            case NEW:
                return AbortResult.BUSY;
            case OPEN:
                try {
                    discard();
                } finally {
                    store.release(ref, this);
                }
                return AbortResult.ABORTED;
            default:
                return AbortResult.FINISHED;
        }
    }

    @Override
    public synchronized void close() {
        if (state == State.OPEN) {
            state = State.CLOSED;
            closeChannelQuietly();
            store.release(ref, this);
        }
    }

    private void ensureOpen() {
        switch (state) {
            case OPEN:
                return;
            case COMMITTED:
                throw BerthException.failedPrecondition("writer for ref %s is already committed", ref);
            case ABORTED:
                throw BerthException.failedPrecondition("ingest of ref %s was discarded", ref);
            default:
                throw BerthException.failedPrecondition("writer for ref %s is closed", ref);
        }
    }

    private void closeChannelQuietly() {
        if (md != null) {
            md.reset(); // a native digest holds a PKCS#11 session until reset or finished; a resume replays anyway
        }
        if (channel != null && channel.isOpen()) {
            try {
                channel.close();
            } catch (IOException e) {
                // nothing to flush: data reached the file with each write, and commit forces it first
            }
        }
    }
}
