package dev.berth.sandbox;

import com.google.gson.Gson;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;

/**
 * Sandbox records as JSON in one MVStore file. Every change commits and syncs before it returns, so after kill -9
 * or power loss a record is either the old or the new one, never half of each.
 */
final class SandboxStore implements AutoCloseable {
    private final Gson gson = new Gson();
    private final MVStore store;
    private final MVMap<String, String> sandboxes;

    SandboxStore(Path file) {
        // No background thread: we commit explicitly after each operation.
        this.store = new MVStore.Builder().fileName(file.toString()).autoCommitDisabled().open();
        // Reuse dead chunks at once; safe because every commit is synced (see the content store's MetadataDb).
        store.setRetentionTime(0);
        this.sandboxes = store.openMap("sandboxes");
        commit();
    }

    synchronized SandboxRecord get(String id) {
        String json = sandboxes.get(id);
        return json == null ? null : gson.fromJson(json, SandboxRecord.class);
    }

    synchronized void put(SandboxRecord r) {
        sandboxes.put(r.id(), gson.toJson(r));
        commit();
    }

    synchronized void remove(String id) {
        if (sandboxes.remove(id) != null) {
            commit();
        }
    }

    /** Every record, oldest first. */
    synchronized List<SandboxRecord> all() {
        List<SandboxRecord> out = new ArrayList<>();
        for (String json : sandboxes.values()) {
            out.add(gson.fromJson(json, SandboxRecord.class));
        }
        out.sort(Comparator.comparing(SandboxRecord::createdAt).thenComparing(SandboxRecord::id));
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
