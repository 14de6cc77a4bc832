package dev.berth.core.metadata;

import java.nio.file.Path;
import java.util.HashMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.SingleFileStore;
import org.h2.mvstore.WriteBuffer;

/**
 * Opens the MVStore files the built-in plugins keep their records in (content metadata, snapshots, sandboxes, CRI
 * images and containers), the way they all use them: no background writer (every operation commits and syncs
 * itself), dead chunks reused at once, and no pooled write buffer.
 *
 * <p>Why the last: MVStore keeps each store's 1 MB chunk write buffer for reuse once the first commit is done. berthd
 * holds five stores whose commits are a few KB, so those idle buffers were 5 MB of a ~17 MB live heap, and the heap
 * (young generation included) is sized from what is live. Here each commit gets a small buffer, which grows when a
 * chunk needs more, and drops it afterwards.
 *
 * <p>Retention 0 is safe because every commit is synced before the next one may reuse a dead chunk's space (checked
 * by the stores' kill -9 tests).
 */
public final class MvStoreFiles {
    /** Holds a typical commit of these stores (one to three 4 KB blocks) without growing. */
    static final int WRITE_BUFFER_BYTES = 16 * 1024;

    private MvStoreFiles() {
    }

    /**
     * Opens (or creates) the store in {@code file}; the caller closes it.
     *
     * @throws org.h2.mvstore.MVStoreException as {@link MVStore.Builder#open()} does (locked, corrupt, unreadable)
     */
    public static MVStore open(Path file) {
        UnpooledFileStore fs = new UnpooledFileStore();
        fs.open(file.toString(), false, null);
        MVStore store;
        try {
            store = new MVStore.Builder().adoptFileStore(fs).autoCommitDisabled().open();
        } catch (RuntimeException | Error e) {
            fs.close();
            throw e;
        }
        store.setRetentionTime(0);
        return store;
    }

    /** A single-file store that hands out a small write buffer per commit and keeps none. */
    private static final class UnpooledFileStore extends SingleFileStore {
        UnpooledFileStore() {
            super(new HashMap<>());
        }

        @Override
        public WriteBuffer getWriteBuffer() {
            return new WriteBuffer(WRITE_BUFFER_BYTES);
        }

        @Override
        public void releaseWriteBuffer(WriteBuffer buffer) {
            // dropped: the next commit allocates its own
        }
    }
}
