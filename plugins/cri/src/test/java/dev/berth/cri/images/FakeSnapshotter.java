package dev.berth.cri.images;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.snapshot.Info;
import dev.berth.core.snapshot.Kind;
import dev.berth.core.mount.Mount;
import dev.berth.core.snapshot.Snapshotter;
import dev.berth.core.snapshot.Usage;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;

/** Snapshot metadata only, with the snapshotter's rules: parents must be committed, no removal under children. */
final class FakeSnapshotter implements Snapshotter {
    static final long SIZE = 1000;
    private final Map<String, Info> snaps = new LinkedHashMap<>();
    private final List<String> removed = new ArrayList<>();
    private final Clock clock;

    FakeSnapshotter(Clock clock) {
        this.clock = clock;
    }

    synchronized void add(String name, String parent, Kind kind, Map<String, String> labels, Instant created) {
        if (parent != null && (!snaps.containsKey(parent) || snaps.get(parent).kind() != Kind.COMMITTED)) {
            throw BerthException.failedPrecondition("parent %s is not committed", parent);
        }
        snaps.put(name, new Info(name, parent, kind, labels, created, created));
    }

    synchronized void commit(String name, String parent) {
        add(name, parent, Kind.COMMITTED, Map.of(), clock.instant());
    }

    synchronized Set<String> names() {
        return new LinkedHashSet<>(snaps.keySet());
    }

    /** Snapshots removed, in order. */
    synchronized List<String> removed() {
        return List.copyOf(removed);
    }

    @Override
    public List<Mount> prepare(String key, String parent, Map<String, String> labels) {
        add(key, parent, Kind.ACTIVE, labels, clock.instant());
        return List.of();
    }

    @Override
    public List<Mount> view(String key, String parent, Map<String, String> labels) {
        add(key, parent, Kind.VIEW, labels, clock.instant());
        return List.of();
    }

    @Override
    public List<Mount> mounts(String key) {
        return List.of();
    }

    @Override
    public synchronized void commit(String name, String key, Map<String, String> labels) {
        Info active = stat(key);
        snaps.remove(key);
        add(name, active.parent(), Kind.COMMITTED, labels, clock.instant());
    }

    @Override
    public synchronized void remove(String key) {
        stat(key);
        if (snaps.values().stream().anyMatch(s -> key.equals(s.parent()))) {
            throw BerthException.failedPrecondition("cannot remove snapshot %s: it has children", key);
        }
        snaps.remove(key);
        removed.add(key);
    }

    @Override
    public synchronized Info stat(String key) {
        Info i = snaps.get(key);
        if (i == null) {
            throw BerthException.notFound("snapshot %s: not found", key);
        }
        return i;
    }

    @Override
    public synchronized Info update(Info info, String... fieldpaths) {
        Info old = stat(info.name());
        Info updated = old.withLabels(info.labels());
        snaps.put(info.name(), updated);
        return updated;
    }

    @Override
    public Usage usage(String key) {
        stat(key);
        return new Usage(SIZE, 1);
    }

    @Override
    public void walk(Predicate<? super Info> filter, Consumer<? super Info> fn) {
        List<Info> all;
        synchronized (this) {
            all = new ArrayList<>(snaps.values());
        }
        all.stream().filter(filter).forEach(fn);
    }

    @Override
    public Path activeDir(String key) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void close() {
    }
}
