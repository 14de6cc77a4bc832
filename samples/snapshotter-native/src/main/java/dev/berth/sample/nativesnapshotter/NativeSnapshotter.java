package dev.berth.sample.nativesnapshotter;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.fs.FileTrees;
import dev.berth.core.mount.Mount;
import dev.berth.core.process.ProcessRunner;
import dev.berth.core.snapshot.Info;
import dev.berth.core.snapshot.Kind;
import dev.berth.core.snapshot.SnapshotLabels;
import dev.berth.core.snapshot.Snapshotter;
import dev.berth.core.snapshot.Usage;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Snapshots as plain directories: {@code <root>/snapshots/<id>/fs} holds a snapshot's whole tree (a copy of its
 * parent's, then whatever was written into it), {@code <id>/info} its {@link SnapshotRecord}. A snapshot is mounted
 * with one bind mount of its {@code fs}, read-write while active, read-only as a view.
 *
 * <p>Crash safety comes from renames. Creating: the copy and the record are made under {@code new-<id>}, then
 * renamed to {@code <id>}. Committing and label changes replace the record by a rename. Removing renames {@code <id>}
 * to {@code rm-<id>}, then deletes it. Start-up deletes {@code new-*} and {@code rm-*} and reads every record.
 *
 * <p>The copy of a parent runs outside the lock, so one big copy does not hold up every other call; meanwhile the
 * new key counts as taken and the parent as having a child.
 */
public final class NativeSnapshotter implements Snapshotter {
    private static final Logger LOG = LoggerFactory.getLogger(NativeSnapshotter.class);
    private static final String NEW_PREFIX = "new-";
    private static final String REMOVING_PREFIX = "rm-";
    private static final String FS = "fs";

    private final Path snapshots;
    private final TreeCopier copier;
    private final TreeUsage usage;
    private final Clock clock;
    private final Object lock = new Object();
    /** Every snapshot by key (active, view) or name (committed). */
    private final Map<String, SnapshotRecord> records = new HashMap<>();
    /** Keys being created (their copy still running) → their parent, or null. */
    private final Map<String, String> creating = new HashMap<>();
    private long lastId;
    private boolean closed;

    NativeSnapshotter(Path root, TreeCopier copier, TreeUsage usage, Clock clock) {
        this.snapshots = root.toAbsolutePath().resolve("snapshots");
        this.copier = copier;
        this.usage = usage;
        this.clock = clock;
        try {
            Files.createDirectories(snapshots);
            Files.setPosixFilePermissions(snapshots, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new BerthException(ErrorKind.INTERNAL, "cannot create " + snapshots + ": " + e, e);
        }
        recover();
    }

    /**
     * Opens (or creates) the snapshotter at {@code root}.
     *
     * @param reflink cp's {@code --reflink} mode for copying parents: auto, always or never
     */
    public static NativeSnapshotter open(Path root, String reflink) {
        ProcessRunner runner = new ProcessRunner();
        return new NativeSnapshotter(root, new TreeCopier(runner, reflink), new TreeUsage(runner), Clock.systemUTC());
    }

    // ---------------------------------------------------------------- SPI

    @Override
    public List<Mount> prepare(String key, String parent, Map<String, String> labels) {
        return create(Kind.ACTIVE, key, parent, labels);
    }

    @Override
    public List<Mount> view(String key, String parent, Map<String, String> labels) {
        return create(Kind.VIEW, key, parent, labels);
    }

    @Override
    public List<Mount> mounts(String key) {
        synchronized (lock) {
            SnapshotRecord r = require(key);
            if (r.info().kind() == Kind.COMMITTED) {
                throw BerthException.failedPrecondition("snapshot %s is committed: it has no mounts, make a view of it", key);
            }
            return mountsOf(r);
        }
    }

    @Override
    public void commit(String name, String key, Map<String, String> labels) {
        checkKey("name", name);
        SnapshotLabels.validate(labels);
        SnapshotRecord active;
        synchronized (lock) {
            active = requireActive(key, "commit");
            requireAbsent(name);
        }
        // Measure outside the lock: a big tree takes a while.
        Usage measured = usage.measure(fsDir(active.id()));
        synchronized (lock) {
            SnapshotRecord now = requireActive(key, "commit");
            if (now.id() != active.id()) {
                throw BerthException.failedPrecondition("snapshot %s was replaced while being committed", key);
            }
            requireAbsent(name);
            Instant t = clock.instant();
            SnapshotRecord committed = new SnapshotRecord(now.id(),
                    new Info(name, now.info().parent(), Kind.COMMITTED, labels, t, t), measured);
            store(committed);
            records.remove(key);
            records.put(name, committed);
        }
    }

    @Override
    public void remove(String key) {
        Path removing;
        synchronized (lock) {
            SnapshotRecord r = require(key);
            List<String> children = children(key);
            if (!children.isEmpty()) {
                throw BerthException.failedPrecondition("cannot remove snapshot %s: %d snapshot(s) have it as parent,"
                        + " e.g. %s", key, children.size(), children.get(0));
            }
            removing = snapshots.resolve(REMOVING_PREFIX + r.id());
            try {
                Files.move(dir(r.id()), removing, StandardCopyOption.ATOMIC_MOVE);
                SnapshotRecord.syncDirectory(snapshots);
            } catch (IOException e) {
                throw new BerthException(ErrorKind.INTERNAL, "cannot remove snapshot " + key + ": " + e, e);
            }
            records.remove(key);
        }
        try {
            FileTrees.deleteRecursively(removing);
        } catch (IOException e) {
            LOG.warn("native: snapshot {} removed, but deleting {} failed; start-up will retry: {}", key, removing, e.toString());
        }
    }

    @Override
    public Info stat(String key) {
        synchronized (lock) {
            return require(key).info();
        }
    }

    @Override
    public Info update(Info info, String... fieldpaths) {
        synchronized (lock) {
            SnapshotRecord r = require(info.name());
            SnapshotRecord updated = r.withLabels(SnapshotLabels.updated(r.info().labels(), info, fieldpaths), clock.instant());
            store(updated);
            records.put(info.name(), updated);
            return updated.info();
        }
    }

    @Override
    public Usage usage(String key) {
        SnapshotRecord r;
        synchronized (lock) {
            r = require(key);
        }
        return r.info().kind() == Kind.COMMITTED ? r.usage() : usage.measure(fsDir(r.id()));
    }

    @Override
    public void walk(Predicate<? super Info> filter, Consumer<? super Info> fn) {
        List<Info> infos = new ArrayList<>();
        synchronized (lock) {
            ensureOpen();
            records.values().forEach(r -> infos.add(r.info()));
        }
        // Call back outside the lock, so fn may call the snapshotter.
        for (Info i : infos) {
            if (filter.test(i)) {
                fn.accept(i);
            }
        }
    }

    @Override
    public Path activeDir(String key) {
        synchronized (lock) {
            return fsDir(requireActive(key, "write to").id());
        }
    }

    /** Nothing to release: every record is on disk already. Later calls fail UNAVAILABLE. */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
        }
    }

    // ---------------------------------------------------------------- internals

    private List<Mount> create(Kind kind, String key, String parent, Map<String, String> labels) {
        checkKey("key", key);
        SnapshotLabels.validate(labels);
        String parentName = parent == null || parent.isEmpty() ? null : parent;
        long id;
        Path parentFs = null;
        synchronized (lock) {
            requireAbsent(key);
            if (parentName != null) {
                SnapshotRecord p = records.get(parentName);
                if (p == null) {
                    throw BerthException.notFound("parent snapshot %s not found", parentName);
                }
                if (p.info().kind() != Kind.COMMITTED) {
                    throw BerthException.failedPrecondition("parent snapshot %s is %s, not committed", parentName,
                            p.info().kind().name().toLowerCase());
                }
                parentFs = fsDir(p.id());
            }
            id = ++lastId;
            creating.put(key, parentName);
        }
        try {
            Instant now = clock.instant();
            SnapshotRecord r = new SnapshotRecord(id, new Info(key, parentName, kind, labels, now, now), Usage.ZERO);
            makeDir(r, parentFs);
            synchronized (lock) {
                records.put(key, r);
            }
            return mountsOf(r);
        } finally {
            synchronized (lock) {
                creating.remove(key);
            }
        }
    }

    /** Fills {@code new-<id>} (a copy of {@code parentFs}, or an empty tree, and the record), then renames it into place. */
    private void makeDir(SnapshotRecord r, Path parentFs) {
        Path tmp = snapshots.resolve(NEW_PREFIX + r.id());
        try {
            Files.createDirectory(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            if (parentFs == null) {
                Files.setPosixFilePermissions(Files.createDirectory(tmp.resolve(FS)), PosixFilePermissions.fromString("rwxr-xr-x"));
            } else {
                copier.copy(parentFs, tmp.resolve(FS));
            }
            r.write(tmp);
            Files.move(tmp, dir(r.id()), StandardCopyOption.ATOMIC_MOVE);
            SnapshotRecord.syncDirectory(snapshots);
        } catch (IOException | RuntimeException e) {
            deleteQuietly(tmp);
            if (e instanceof BerthException b) {
                throw b;
            }
            throw new BerthException(ErrorKind.INTERNAL, "cannot create snapshot " + r.info().name() + ": " + e, e);
        }
    }

    /** One bind mount of the snapshot's own tree: nothing is stacked, the tree is complete. */
    private List<Mount> mountsOf(SnapshotRecord r) {
        String mode = r.info().kind() == Kind.ACTIVE ? "rw" : "ro";
        return List.of(new Mount("bind", fsDir(r.id()).toString(), List.of("rbind", mode)));
    }

    private void store(SnapshotRecord r) {
        try {
            r.write(dir(r.id()));
        } catch (IOException e) {
            throw new BerthException(ErrorKind.INTERNAL, "cannot write the record of snapshot " + r.info().name() + ": " + e, e);
        }
    }

    /** Snapshots, and snapshots being created, whose parent is {@code key}. */
    private List<String> children(String key) {
        List<String> out = new ArrayList<>();
        records.forEach((k, r) -> {
            if (key.equals(r.info().parent())) {
                out.add(k);
            }
        });
        creating.forEach((k, parent) -> {
            if (key.equals(parent)) {
                out.add(k);
            }
        });
        return out;
    }

    private SnapshotRecord require(String key) {
        checkKey("key", key);
        ensureOpen();
        SnapshotRecord r = records.get(key);
        if (r == null) {
            throw BerthException.notFound("snapshot %s not found", key);
        }
        return r;
    }

    private SnapshotRecord requireActive(String key, String what) {
        SnapshotRecord r = require(key);
        if (r.info().kind() != Kind.ACTIVE) {
            throw BerthException.failedPrecondition("cannot %s snapshot %s: it is %s, not active", what, key,
                    r.info().kind().name().toLowerCase());
        }
        return r;
    }

    private void requireAbsent(String key) {
        ensureOpen();
        if (records.containsKey(key) || creating.containsKey(key)) {
            throw new BerthException(ErrorKind.ALREADY_EXISTS, "snapshot " + key + " already exists");
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw BerthException.unavailable("native snapshotter is closed");
        }
    }

    private static void checkKey(String field, String key) {
        if (key == null || key.isEmpty()) {
            throw BerthException.invalidArgument("snapshot %s must not be empty", field);
        }
        if (key.indexOf('\0') >= 0) {
            throw BerthException.invalidArgument("snapshot %s must not contain NUL", field);
        }
    }

    private Path dir(long id) {
        return snapshots.resolve(Long.toString(id));
    }

    private Path fsDir(long id) {
        return dir(id).resolve(FS);
    }

    /**
     * Start-up: deletes what a crash left mid-create or mid-remove, and reads every snapshot's record. A directory
     * whose record cannot be read is left alone (it may hold the only copy of something) and logged.
     */
    private void recover() {
        List<Path> leftovers = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(snapshots)) {
            for (Path e : entries) {
                String name = e.getFileName().toString();
                boolean leftover = name.startsWith(NEW_PREFIX) || name.startsWith(REMOVING_PREFIX);
                Long id = parseId(leftover ? name.substring(name.indexOf('-') + 1) : name);
                if (id == null) {
                    LOG.warn("native: ignoring {}, which this snapshotter did not make", e);
                    continue;
                }
                lastId = Math.max(lastId, id);
                if (leftover) {
                    leftovers.add(e);
                } else {
                    load(e, id);
                }
            }
        } catch (IOException e) {
            throw new BerthException(ErrorKind.INTERNAL, "cannot list " + snapshots + ": " + e, e);
        }
        for (Path e : leftovers) {
            deleteQuietly(e);
            LOG.info("native: removed {}, left by an interrupted create or remove", e);
        }
        records.forEach((k, r) -> {
            if (r.info().parent() != null && !records.containsKey(r.info().parent())) {
                LOG.error("native: the parent {} of snapshot {} is missing", r.info().parent(), k);
            }
        });
    }

    private void load(Path dir, long id) {
        SnapshotRecord r;
        try {
            r = SnapshotRecord.read(dir, id);
        } catch (IOException e) {
            LOG.error("native: snapshot directory {} has no readable record; left alone: {}", dir, e.getMessage());
            return;
        }
        SnapshotRecord other = records.putIfAbsent(r.info().name(), r);
        if (other != null) {
            LOG.error("native: snapshot directories {} and {} both hold snapshot {}; using {}", dir(other.id()), dir,
                    r.info().name(), dir(other.id()));
        }
    }

    private static Long parseId(String name) {
        if (name.isEmpty() || name.length() > 18 || !name.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return null;
        }
        return Long.parseLong(name);
    }

    private static void deleteQuietly(Path dir) {
        try {
            FileTrees.deleteRecursively(dir);
        } catch (IOException e) {
            LOG.warn("native: cannot remove {}: {}", dir, e.toString());
        }
    }
}
