package dev.berth.snapshot.overlay;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.metadata.MvStoreFiles;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;

/**
 * Snapshot records in one MVStore file. Every mutating call is one commit, synced before it returns, so an
 * operation is wholly in the file or not at all, even after kill -9 or power loss.
 *
 * <p>A commit that cannot be written (a full disk) fails its operation only: MVStore closes itself on a failed write,
 * so the file is opened again from its last commit, and the next operation proceeds once there is room.
 */
final class SnapshotDb implements AutoCloseable {
    private static final String LAST_ID = "last.id";
    private final Path file;
    private MVStore store;
    /** snapshot key or name → {@link SnapshotRecord}. */
    private MVMap<String, byte[]> snapshots;
    /** {@value #LAST_ID} → highest snapshot id ever handed out, so ids (directory names) are never reused. */
    private MVMap<String, Long> counters;
    private boolean closed;

    SnapshotDb(Path file) {
        this.file = file;
        open();
        commit();
    }

    private void open() {
        // No background thread: we commit explicitly after each operation. Retention 0 reuses dead chunks at once;
        // safe because every commit is synced (see the content store's MetadataDb).
        this.store = MvStoreFiles.open(file);
        this.snapshots = store.openMap("snapshots");
        this.counters = store.openMap("counters");
    }

    synchronized SnapshotRecord get(String key) {
        ensureOpen();
        byte[] b = snapshots.get(key);
        return b == null ? null : SnapshotRecord.decode(key, b);
    }

    /** Every record, by key. */
    synchronized Map<String, SnapshotRecord> all() {
        ensureOpen();
        Map<String, SnapshotRecord> out = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> e : snapshots.entrySet()) {
            out.put(e.getKey(), SnapshotRecord.decode(e.getKey(), e.getValue()));
        }
        return out;
    }

    synchronized long lastId() {
        ensureOpen();
        Long v = counters.get(LAST_ID);
        return v == null ? 0 : v;
    }

    /** Records a new snapshot and its id as the last handed out, in one commit. */
    synchronized void create(String key, SnapshotRecord r) {
        ensureOpen();
        snapshots.put(key, r.encode());
        if (r.id() > lastId()) {
            counters.put(LAST_ID, r.id());
        }
        commit();
    }

    /** Replaces {@code oldKey} by {@code newKey} in one commit (active → committed). */
    synchronized void rename(String oldKey, String newKey, SnapshotRecord r) {
        ensureOpen();
        snapshots.remove(oldKey);
        snapshots.put(newKey, r.encode());
        commit();
    }

    synchronized void put(String key, SnapshotRecord r) {
        ensureOpen();
        snapshots.put(key, r.encode());
        commit();
    }

    synchronized void remove(Collection<String> keys) {
        ensureOpen();
        keys.forEach(snapshots::remove);
        commit();
    }

    /** Raises the last handed-out id (after finding directories the counter does not cover). */
    synchronized void raiseLastId(long id) {
        ensureOpen();
        if (id > lastId()) {
            counters.put(LAST_ID, id);
            commit();
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw BerthException.unavailable("overlayfs snapshotter is closed");
        }
        if (store.isClosed()) { // a failed write closed it, and opening it again failed then too
            try {
                open();
            } catch (RuntimeException e) {
                throw failure("cannot open the snapshot metadata " + file + " again after a failed write", e);
            }
        }
    }

    private void commit() {
        try {
            store.commit();
            store.sync();
        } catch (RuntimeException e) {
            // Nothing of this operation is in the file. Drop it from memory too: roll back, or (MVStore closed the
            // store on the failed write) read the file again.
            try {
                if (store.isClosed()) {
                    open();
                } else {
                    store.rollback();
                }
            } catch (RuntimeException again) {
                e.addSuppressed(again);
            }
            throw failure("cannot write the snapshot metadata " + file, e);
        }
    }

    /** RESOURCE_EXHAUSTED when the disk is full (MVStore wraps the I/O error), INTERNAL otherwise. */
    private static BerthException failure(String what, RuntimeException e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            String m = String.valueOf(c.getMessage());
            if (m.contains("No space left on device") || m.contains("Disk quota exceeded")) {
                return new BerthException(ErrorKind.RESOURCE_EXHAUSTED, what + ": no space left on the device", e);
            }
        }
        return new BerthException(ErrorKind.INTERNAL, what + ": " + e.getMessage(), e);
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (!store.isClosed()) {
            store.close();
        }
    }
}
