package dev.berth.sandbox;

import com.google.gson.Gson;
import dev.berth.core.metadata.MvStoreFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;

/**
 * Sandbox records as JSON in one MVStore file. Every change commits and syncs before it returns, so after kill -9
 * or power loss a record is either the old or the new one, never half of each. The records are also kept parsed in
 * memory: ListPodSandbox, which the kubelet sends every second, then parses no JSON.
 */
final class SandboxStore implements AutoCloseable {
    private final Gson gson = new Gson();
    private final MVStore store;
    private final MVMap<String, String> sandboxes;
    private final Map<String, SandboxRecord> parsed = new HashMap<>();

    SandboxStore(Path file) {
        // No background thread: we commit explicitly after each operation. Dead chunks are reused at once; safe
        // because every commit is synced (see the content store's MetadataDb).
        this.store = MvStoreFiles.open(file);
        this.sandboxes = store.openMap("sandboxes");
        commit();
        sandboxes.forEach((id, json) -> parsed.put(id, gson.fromJson(json, SandboxRecord.class)));
    }

    synchronized SandboxRecord get(String id) {
        return parsed.get(id);
    }

    synchronized void put(SandboxRecord r) {
        String json = gson.toJson(r);
        sandboxes.put(r.id(), json);
        parsed.put(r.id(), gson.fromJson(json, SandboxRecord.class)); // what a read after a restart would give
        commit();
    }

    synchronized void remove(String id) {
        parsed.remove(id);
        if (sandboxes.remove(id) != null) {
            commit();
        }
    }

    /** Every record, oldest first. */
    synchronized List<SandboxRecord> all() {
        List<SandboxRecord> out = new ArrayList<>(parsed.values());
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
