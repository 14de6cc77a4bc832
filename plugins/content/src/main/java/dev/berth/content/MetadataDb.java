package dev.berth.content;

import dev.berth.core.content.Digest;
import dev.berth.core.content.Lease;
import dev.berth.core.metadata.MvStoreFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;

/**
 * Labels, times and leases in one MVStore file. Every mutating call commits and syncs before it returns, so an
 * operation is either wholly in the file or not at all, even after kill -9 or power loss.
 */
final class MetadataDb implements AutoCloseable {
    private final MVStore store;
    /** digest string → {@link BlobMeta}. */
    private final MVMap<String, byte[]> blobs;
    /** lease id → {@link Lease}. */
    private final MVMap<String, byte[]> leases;

    MetadataDb(Path file) {
        // No background thread: we commit explicitly after each operation. Dead chunks are reused at once: the
        // default retention (45 s) keeps them in case the OS reorders writes, and without the background thread the
        // file then grows ~18 KB per commit during bursts. We fsync every commit, so the last committed chunk is
        // always on disk before its predecessors' space is reused (checked by kill -9 loops against this setting).
        this.store = MvStoreFiles.open(file);
        this.blobs = store.openMap("blobs");
        this.leases = store.openMap("leases");
        commit();
    }

    synchronized BlobMeta blob(Digest d) {
        byte[] b = blobs.get(d.toString());
        return b == null ? null : MetaCodec.decodeBlob(b);
    }

    synchronized void putBlob(Digest d, BlobMeta m) {
        blobs.put(d.toString(), MetaCodec.encode(m));
        commit();
    }

    synchronized void removeBlob(Digest d) {
        if (blobs.remove(d.toString()) != null) {
            commit();
        }
    }

    /** Digest strings with metadata, for reconciling against the blob files. */
    synchronized List<String> blobKeys() {
        return new ArrayList<>(blobs.keySet());
    }

    synchronized void removeBlobKeys(List<String> keys) {
        keys.forEach(blobs::remove);
        commit();
    }

    synchronized Lease lease(String id) {
        byte[] b = leases.get(id);
        return b == null ? null : MetaCodec.decodeLease(id, b);
    }

    synchronized void putLease(Lease l) {
        leases.put(l.id(), MetaCodec.encode(l));
        commit();
    }

    synchronized void removeLeases(List<String> ids) {
        ids.forEach(leases::remove);
        commit();
    }

    synchronized List<Lease> leases() {
        List<Lease> out = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : leases.entrySet()) {
            out.add(MetaCodec.decodeLease(e.getKey(), e.getValue()));
        }
        return out;
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
