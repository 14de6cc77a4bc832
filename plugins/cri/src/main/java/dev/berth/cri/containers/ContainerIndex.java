package dev.berth.cri.containers;

import dev.berth.api.cri.v1.ContainerConfig;
import dev.berth.cri.store.JsonRecords;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The CRI's container records in memory, each with its config parsed once, written through to the store on disk
 * (which stays the truth across restarts). ListContainers, the kubelet's relist, reads every record every second;
 * parsing hundreds of JSON records and protobuf configs per call cost more than the answer itself. Reads take no
 * lock; writes reach the disk before they become visible, so a listed container always survives a crash.
 */
final class ContainerIndex implements AutoCloseable {
    private final JsonRecords<ContainerRecord> store;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    /** A record, its parsed {@link ContainerRecord#containerConfig()}, and its ListContainers item. */
    record Entry(ContainerRecord record, ContainerConfig config, ListedContainer listed) {
        static Entry of(ContainerRecord r) {
            ContainerConfig c = r.containerConfig();
            return new Entry(r, c, new ListedContainer(r, c));
        }
    }

    ContainerIndex(Path file) {
        this.store = new JsonRecords<>(file, ContainerRecord.class, "container");
        for (ContainerRecord r : store.list()) {
            entries.put(r.id(), Entry.of(r));
        }
    }

    Optional<Entry> get(String id) {
        return Optional.ofNullable(entries.get(id));
    }

    /** Every entry at about this moment, in no particular order. */
    List<Entry> entries() {
        return List.copyOf(entries.values());
    }

    List<ContainerRecord> records() {
        return entries.values().stream().map(Entry::record).toList();
    }

    synchronized void put(ContainerRecord r) {
        Entry e = Entry.of(r);
        store.put(r.id(), r);
        entries.put(r.id(), e);
    }

    synchronized void remove(String id) {
        store.remove(id);
        entries.remove(id);
    }

    @Override
    public synchronized void close() {
        store.close();
    }
}
