package dev.berth.snapshot.overlay;

import dev.berth.core.errdefs.BerthException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;

/**
 * Snapshot records in one MVStore file. Every mutating call is one commit, synced before it returns, so an
 * operation is wholly in the file or not at all, even after kill -9 or power loss.
 */
final class SnapshotDb implements AutoCloseable {
    private static final String LAST_ID = "last.id";
    private final MVStore store;
    /** snapshot key or name → {@link SnapshotRecord}. */
    private final MVMap<String, byte[]> snapshots;
    /** {@value #LAST_ID} → highest snapshot id ever handed out, so ids (directory names) are never reused. */
    private final MVMap<String, Long> counters;

    SnapshotDb(Path file) {
        // No background thread: we commit explicitly after each operation. Retention 0 reuses dead chunks at once;
        // safe because every commit is synced (see the content store's MetadataDb).
        this.store = new MVStore.Builder().fileName(file.toString()).autoCommitDisabled().open();
        store.setRetentionTime(0);
        this.snapshots = store.openMap("snapshots");
        this.counters = store.openMap("counters");
        commit();
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
        if (store.isClosed()) {
            throw BerthException.unavailable("overlayfs snapshotter is closed");
        }
    }

    private void commit() {
        store.commit();
        store.sync();
    }

    @Override
    public synchronized void close() {
        if (!store.isClosed()) {
            store.close();
        }
    }
}
