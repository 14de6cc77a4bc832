package dev.berth.cri.store;

import com.google.gson.Gson;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.metadata.MvStoreFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;

/**
 * Records of one type by id, as JSON in one MVStore file. Every change is one commit followed by a sync, so after
 * kill -9 the file holds either the old or the new record, never half of one.
 */
public final class JsonRecords<T> implements AutoCloseable {
    private static final Gson GSON = new Gson();
    private final Class<T> type;
    private final MVStore store;
    private final MVMap<String, String> records;

    /** @param what the records' name in errors ("image", "container") */
    public JsonRecords(Path file, Class<T> type, String what) {
        this.type = type;
        try {
            this.store = MvStoreFiles.open(file);
        } catch (RuntimeException e) {
            throw new BerthException(ErrorKind.INTERNAL, "cannot open " + what + " store " + file + ": " + e.getMessage(), e);
        }
        this.records = store.openMap(what + "s");
    }

    public synchronized Optional<T> get(String id) {
        return Optional.ofNullable(records.get(id)).map(j -> GSON.fromJson(j, type));
    }

    public synchronized List<T> list() {
        List<T> out = new ArrayList<>();
        for (String j : records.values()) {
            out.add(GSON.fromJson(j, type));
        }
        return out;
    }

    /** Stores {@code record} under {@code id} without committing; see {@link #commit()}. */
    public synchronized void stage(String id, T record) {
        records.put(id, GSON.toJson(record));
    }

    public synchronized void put(String id, T record) {
        stage(id, record);
        commit();
    }

    public synchronized void remove(String id) {
        if (records.remove(id) != null) {
            commit();
        }
    }

    /** Makes staged changes durable, all at once. */
    public synchronized void commit() {
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
