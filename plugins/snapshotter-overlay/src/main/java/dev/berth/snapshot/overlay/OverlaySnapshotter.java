package dev.berth.snapshot.overlay;

import dev.berth.core.fs.FileTrees;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.snapshot.Info;
import dev.berth.core.snapshot.Kind;
import dev.berth.core.mount.Mount;
import dev.berth.core.mount.Mounts;
import dev.berth.core.snapshot.SnapshotLabels;
import dev.berth.core.snapshot.Snapshotter;
import dev.berth.core.snapshot.Usage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Snapshots as overlayfs layers: {@code <root>/snapshots/<id>/fs} holds a snapshot's own files (the upper dir
 * while active), {@code work} the overlay work dir; {@code <root>/metadata.db} maps keys to ids, kinds and parents.
 *
 * <p>Crash safety comes from the order of steps. Creating: the directories are made under {@code new-<id>},
 * renamed to {@code <id>}, then recorded (one commit). Committing is one commit that renames the record.
 * Removing: the record goes first, then the directory. So a crash can only leave a directory without a record,
 * or (power loss before the directory rename reached the disk) an active record without its directory; start-up
 * removes both and logs what it removed.
 *
 * <p>Mounts name their layers relative to {@code snapshots/} ({@code lowerdir=12/fs:11/fs}), so over 300 layers fit
 * in the kernel's one-page option limit; {@link Mounts#mount} runs mount from there.
 */
public final class OverlaySnapshotter implements Snapshotter {
    private static final Logger LOG = LoggerFactory.getLogger(OverlaySnapshotter.class);
    /** The kernel's OVL_MAX_STACK. */
    static final int MAX_LOWER_DIRS = 500;
    private static final String NEW_PREFIX = "new-";
    private static final String REMOVING_PREFIX = "rm-";

    private final Path snapshots;
    private final SnapshotDb db;
    /** Probed on its own thread (a few mounts, ~0.1 s), so berthd serves sooner; the first overlay mount waits. */
    private final CompletableFuture<OverlayFeatures> features;
    private final DiskUsage diskUsage;
    private final Clock clock;
    /** Guards metadata reads-then-writes and the directory steps that go with them. */
    private final Object lock = new Object();

    OverlaySnapshotter(Path root, OverlayFeatures features, Supplier<POSIX> posix, Clock clock) {
        this(root, CompletableFuture.completedFuture(features), posix, clock);
    }

    private OverlaySnapshotter(Path root, CompletableFuture<OverlayFeatures> features, Supplier<POSIX> posix, Clock clock) {
        this.features = features;
        this.diskUsage = new DiskUsage(posix);
        this.clock = clock;
        this.snapshots = root.toAbsolutePath().resolve("snapshots");
        try {
            Files.createDirectories(snapshots);
            Files.setPosixFilePermissions(snapshots, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new BerthException(ErrorKind.INTERNAL, "cannot create " + snapshots + ": " + e, e);
        }
        this.db = new SnapshotDb(root.resolve("metadata.db"));
        try {
            recover();
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
    }

    /** Opens (or creates) the snapshotter at {@code root}, probing the kernel's overlayfs first. */
    public static OverlaySnapshotter open(Path root) {
        Path abs = root.toAbsolutePath();
        CompletableFuture<OverlayFeatures> features = new CompletableFuture<>();
        Thread probe = new Thread(() -> {
            try {
                features.complete(OverlayFeatures.detect(abs.resolve("probe")));
            } catch (Throwable t) {
                LOG.error("overlayfs cannot be used under {}: every mount of this snapshotter will fail: {}", abs, t.getMessage());
                features.completeExceptionally(t);
            }
        }, "berth-overlay-probe");
        probe.setDaemon(true);
        probe.start();
        return new OverlaySnapshotter(abs, features, POSIXFactory::getNativePOSIX, Clock.systemUTC());
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
            if (r.kind() == Kind.COMMITTED) {
                throw BerthException.failedPrecondition("snapshot %s is committed: it has no mounts, make a view of it", key);
            }
            return mountsFor(r, lowerIds(r.parent()));
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
        // Measure outside the lock: a big layer takes a while, and nothing else needs to wait for it.
        Usage usage = diskUsage.measure(fsDir(active.id()));
        synchronized (lock) {
            SnapshotRecord now = requireActive(key, "commit");
            if (now.id() != active.id()) {
                throw BerthException.failedPrecondition("snapshot %s was replaced while being committed", key);
            }
            requireAbsent(name);
            Instant t = clock.instant();
            SnapshotRecord committed = new SnapshotRecord(active.id(), Kind.COMMITTED, active.parent(),
                    labels == null ? Map.of() : labels, t, t, usage);
            db.rename(key, name, committed);
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
            Path dir = snapshots.resolve(Long.toString(r.id()));
            if (r.kind() == Kind.ACTIVE) {
                // An active snapshot's data is being thrown away: free its space before the metadata commit, which
                // needs some itself and fails (closing the store) when an unpack has just filled the disk.
                emptyQuietly(dir);
            }
            db.remove(List.of(key));
            // From here on the directory has no record: if we crash, start-up removes it.
            removing = snapshots.resolve(REMOVING_PREFIX + r.id());
            try {
                Files.move(dir, removing, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                LOG.warn("snapshot {} (id {}) removed, but renaming {} failed; start-up will delete it: {}",
                        key, r.id(), dir, e.toString());
                return;
            }
        }
        try {
            FileTrees.deleteRecursively(removing);
        } catch (IOException e) {
            LOG.warn("snapshot {} removed, but deleting {} failed; start-up will retry: {}", key, removing, e.toString());
        }
    }

    /** Deletes what is inside {@code dir}, keeping {@code dir}; failures are left to the removal that follows. */
    private static void emptyQuietly(Path dir) {
        try (DirectoryStream<Path> children = Files.newDirectoryStream(dir)) {
            for (Path child : children) {
                FileTrees.deleteRecursively(child);
            }
        } catch (IOException e) {
            LOG.debug("emptying {} before its removal failed: {}", dir, e.toString());
        }
    }

    @Override
    public Info stat(String key) {
        synchronized (lock) {
            return require(key).info(key);
        }
    }

    @Override
    public Info update(Info info, String... fieldpaths) {
        String key = info.name();
        synchronized (lock) {
            SnapshotRecord r = require(key);
            Map<String, String> labels = SnapshotLabels.updated(r.labels(), info, fieldpaths);
            SnapshotRecord updated = r.withLabels(labels, clock.instant());
            db.put(key, updated);
            return updated.info(key);
        }
    }

    @Override
    public Usage usage(String key) {
        SnapshotRecord r;
        synchronized (lock) {
            r = require(key);
        }
        if (r.kind() == Kind.COMMITTED) {
            return r.usage();
        }
        return diskUsage.measure(fsDir(r.id()));
    }

    @Override
    public void walk(Predicate<? super Info> filter, Consumer<? super Info> fn) {
        List<Info> infos = new ArrayList<>();
        synchronized (lock) {
            db.all().forEach((k, r) -> infos.add(r.info(k)));
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

    @Override
    public void close() {
        features.exceptionally(t -> null).join(); // the probe's mounts are gone before the snapshotter is
        db.close();
    }

    /** The overlay options this kernel gets on every mount (for diagnostics and tests). */
    OverlayFeatures features() {
        try {
            return features.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r
                    : new BerthException(ErrorKind.INTERNAL, "probing overlayfs failed: " + e.getCause(), e.getCause());
        }
    }

    // ---------------------------------------------------------------- internals

    private List<Mount> create(Kind kind, String key, String parent, Map<String, String> labels) {
        checkKey("key", key);
        SnapshotLabels.validate(labels);
        String parentName = parent == null || parent.isEmpty() ? null : parent;
        synchronized (lock) {
            requireAbsent(key);
            if (parentName != null) {
                SnapshotRecord p = db.get(parentName);
                if (p == null) {
                    throw BerthException.notFound("parent snapshot %s not found", parentName);
                }
                if (p.kind() != Kind.COMMITTED) {
                    throw BerthException.failedPrecondition("parent snapshot %s is %s, not committed", parentName,
                            p.kind().name().toLowerCase());
                }
            }
            List<Long> lowers = lowerIds(parentName);
            long id = db.lastId() + 1;
            Instant now = clock.instant();
            SnapshotRecord r = new SnapshotRecord(id, kind, parentName, labels == null ? Map.of() : labels, now, now,
                    Usage.ZERO);
            List<Mount> mounts = mountsFor(r, lowers); // fails on too long a chain, before anything is made
            Path dir = makeDirs(id, kind == Kind.ACTIVE && !lowers.isEmpty());
            try {
                db.create(key, r);
            } catch (RuntimeException e) {
                deleteQuietly(dir);
                throw e;
            }
            return mounts;
        }
    }

    /** Creates {@code snapshots/<id>/{fs,work}} under a temporary name and renames it into place. */
    private Path makeDirs(long id, boolean withWork) {
        Path tmp = snapshots.resolve(NEW_PREFIX + id);
        Path dir = snapshots.resolve(Long.toString(id));
        try {
            FileTrees.deleteRecursively(tmp);
            if (Files.exists(dir)) {
                // only if the id counter and the directories disagree, which start-up repairs
                throw new BerthException(ErrorKind.INTERNAL, "snapshot directory " + dir + " exists already");
            }
            Files.createDirectory(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path fs = Files.createDirectory(tmp.resolve("fs"));
            Files.setPosixFilePermissions(fs, PosixFilePermissions.fromString("rwxr-xr-x"));
            if (withWork) {
                Files.createDirectory(tmp.resolve("work"),
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            return dir;
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new BerthException(ErrorKind.INTERNAL, "cannot create snapshot directory " + dir + ": " + e, e);
        }
    }

    /**
     * The mounts of a snapshot over committed layers {@code lowers} (nearest first): a bind mount when there is one
     * directory to show, an overlay otherwise.
     */
    private List<Mount> mountsFor(SnapshotRecord r, List<Long> lowers) {
        if (lowers.isEmpty()) {
            String mode = r.kind() == Kind.ACTIVE ? "rw" : "ro";
            return List.of(new Mount("bind", fsDir(r.id()).toString(), List.of("rbind", mode)));
        }
        if (r.kind() == Kind.VIEW && lowers.size() == 1) {
            return List.of(new Mount("bind", fsDir(lowers.get(0)).toString(), List.of("rbind", "ro")));
        }
        if (lowers.size() > MAX_LOWER_DIRS) {
            throw BerthException.invalidArgument("parent chain of %d snapshots is deeper than overlayfs allows (%d)",
                    lowers.size(), MAX_LOWER_DIRS);
        }
        List<String> options = new ArrayList<>(features().options());
        if (r.kind() == Kind.ACTIVE) {
            options.add("workdir=" + r.id() + "/work");
            options.add("upperdir=" + r.id() + "/fs");
        }
        StringBuilder lower = new StringBuilder("lowerdir=");
        for (int i = 0; i < lowers.size(); i++) {
            lower.append(i == 0 ? "" : ":").append(lowers.get(i)).append("/fs");
        }
        options.add(lower.toString());
        Mount m = new Mount("overlay", "overlay", options, snapshots);
        int bytes = m.data().getBytes(StandardCharsets.UTF_8).length;
        if (bytes > Mounts.MAX_DATA) {
            throw BerthException.invalidArgument("parent chain of %d snapshots needs %d bytes of overlay options, over"
                    + " the kernel's limit of %d", lowers.size(), bytes, Mounts.MAX_DATA);
        }
        return List.of(m);
    }

    /** Ids of {@code parent} and its ancestors, nearest first. */
    private List<Long> lowerIds(String parent) {
        List<Long> ids = new ArrayList<>();
        String p = parent;
        while (p != null) {
            SnapshotRecord r = db.get(p);
            if (r == null) {
                throw new BerthException(ErrorKind.INTERNAL, "snapshot metadata is inconsistent: ancestor " + p
                        + " of " + parent + " is missing");
            }
            ids.add(r.id());
            if (ids.size() > MAX_LOWER_DIRS + 1) {
                break; // enough to report the chain as too deep (and no endless loop on a corrupt file)
            }
            p = r.parent();
        }
        return ids;
    }

    private List<String> children(String key) {
        List<String> out = new ArrayList<>();
        db.all().forEach((k, r) -> {
            if (key.equals(r.parent())) {
                out.add(k);
            }
        });
        return out;
    }

    private SnapshotRecord require(String key) {
        checkKey("key", key);
        SnapshotRecord r = db.get(key);
        if (r == null) {
            throw BerthException.notFound("snapshot %s not found", key);
        }
        return r;
    }

    private SnapshotRecord requireActive(String key, String what) {
        SnapshotRecord r = require(key);
        if (r.kind() != Kind.ACTIVE) {
            throw BerthException.failedPrecondition("cannot %s snapshot %s: it is %s, not active", what, key,
                    r.kind().name().toLowerCase());
        }
        return r;
    }

    private void requireAbsent(String key) {
        if (db.get(key) != null) {
            throw new BerthException(ErrorKind.ALREADY_EXISTS, "snapshot " + key + " already exists");
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

    private Path fsDir(long id) {
        return snapshots.resolve(Long.toString(id)).resolve("fs");
    }

    /**
     * Start-up: removes records of active snapshots and views whose files are gone (power loss before the create's
     * rename reached the disk, or a crash mid-remove), then directories without a record (crash mid-create or
     * mid-remove).
     */
    private void recover() {
        Map<String, SnapshotRecord> records = db.all();
        // Records first: an active snapshot killed mid-remove has its record and an emptied directory (remove frees
        // the space before the metadata commit); dropping the record makes that directory a leftover below.
        List<String> orphans = new ArrayList<>();
        records.forEach((k, r) -> {
            if (!Files.isDirectory(fsDir(r.id()))) {
                if (r.kind() == Kind.COMMITTED) {
                    LOG.error("overlayfs: committed snapshot {} has lost its directory {}; its files are gone", k,
                            fsDir(r.id()));
                } else {
                    orphans.add(k);
                }
            }
        });
        if (!orphans.isEmpty()) {
            db.remove(orphans);
            orphans.forEach(records::remove);
            LOG.info("overlayfs: removed {} snapshot record(s) whose directories are missing: {}", orphans.size(), orphans);
        }
        Map<Long, String> byId = new HashMap<>();
        records.forEach((k, r) -> byId.put(r.id(), k));
        long maxId = 0;
        List<Path> leftovers = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(snapshots)) {
            for (Path e : entries) {
                String name = e.getFileName().toString();
                Long id = parseId(name);
                if (id != null) {
                    maxId = Math.max(maxId, id);
                }
                if (id == null || !byId.containsKey(id)) {
                    leftovers.add(e);
                }
            }
        } catch (IOException e) {
            throw new BerthException(ErrorKind.INTERNAL, "cannot list " + snapshots + ": " + e, e);
        }
        for (Path e : leftovers) {
            for (Path m : Mounts.mountPointsUnder(e)) {
                LOG.warn("overlayfs: unmounting {} (inside leftover directory {})", m, e);
                Mounts.unmountAll(m);
            }
            try {
                FileTrees.deleteRecursively(e);
                LOG.info("overlayfs: removed leftover snapshot directory {} (no metadata record)", e);
            } catch (IOException ex) {
                LOG.warn("overlayfs: cannot remove leftover snapshot directory {}: {}", e, ex.toString());
            }
        }
        for (SnapshotRecord r : records.values()) {
            maxId = Math.max(maxId, r.id());
        }
        db.raiseLastId(maxId);
    }

    private static Long parseId(String name) {
        if (name.isEmpty() || name.length() > 18) {
            return null;
        }
        for (int i = 0; i < name.length(); i++) {
            if (name.charAt(i) < '0' || name.charAt(i) > '9') {
                return null;
            }
        }
        return Long.parseLong(name);
    }

    private static void deleteQuietly(Path dir) {
        try {
            FileTrees.deleteRecursively(dir);
        } catch (IOException e) {
            LOG.warn("overlayfs: cannot remove {}: {}", dir, e.toString());
        }
    }
}
