package dev.berth.cri.images;

import dev.berth.core.content.ContentLabels;
import dev.berth.core.content.ContentStore;
import dev.berth.core.content.Digest;
import dev.berth.core.content.Filter;
import dev.berth.core.content.Info;
import dev.berth.core.content.Lease;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.snapshot.Kind;
import dev.berth.core.snapshot.SnapshotLabels;
import dev.berth.core.snapshot.Snapshotter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mark-and-sweep collection of the content store and every running snapshotter, in the manner of containerd's
 * collector: an image may be unpacked in several snapshotters (one per runtime handler), and removing it must free
 * them all.
 *
 * <p>Roots: each image record's target, manifest, config and top snapshot (in every snapshotter: a chain id names
 * the same layers in each); blobs and snapshots labelled
 * {@link ContentLabels#GC_ROOT}; the resources of unexpired leases (expired leases are removed first); and every
 * active snapshot and view, which containers use — except unpack leftovers ({@code extract-…} keys) older than
 * {@link #STALE_EXTRACT}, which a crash abandoned. Marking follows {@code berth.io/gc.ref.content.*} from blob to
 * blob, {@code berth.io/gc.ref.snapshot.<snapshotter>} from blob to a snapshot of that snapshotter, and snapshot
 * parents within a snapshotter. Sweeping deletes every committed blob and every snapshot not marked, children before
 * parents.
 *
 * <p>A run holds the write half of the images' lock; pulls hold the read half while they unpack and record an
 * image and removals while they change records, so marking never sees half a pull. Blobs a pull is still
 * fetching are protected by its lease, which the content store enforces on delete.
 */
final class GarbageCollector {
    /** Active snapshots under this key prefix are the unpacker's temporary ones. */
    static final String EXTRACT_PREFIX = "extract-";
    /** An unpack takes seconds to minutes; an extract snapshot this old was abandoned by a crash. */
    static final Duration STALE_EXTRACT = Duration.ofHours(1);
    private static final Logger LOG = LoggerFactory.getLogger(GarbageCollector.class);

    private final ContentStore content;
    /** By id: snapshot names are per snapshotter, and so is everything marked among them. */
    private final Map<String, Snapshotter> snapshotters;
    private final Supplier<List<ImageRecord>> images;
    private final ReadWriteLock lock;
    private final Clock clock;

    /** What one run removed. {@code snapshotBytes} is the removed snapshots' own disk use, as far as known. */
    record Result(int blobsRemoved, long blobBytes, int snapshotsRemoved, long snapshotBytes, Duration duration) {
    }

    /**
     * @param snapshotters the running snapshotters by plugin id (which {@code berth.io/gc.ref.snapshot.<id>} labels
     *                     name their snapshots); none to collect content only
     * @param images       the image records (the roots)
     * @param lock         shared with pulls and removals (they take the read half)
     */
    GarbageCollector(ContentStore content, Map<String, Snapshotter> snapshotters, Supplier<List<ImageRecord>> images,
                     ReadWriteLock lock, Clock clock) {
        this.content = content;
        this.snapshotters = Map.copyOf(snapshotters);
        this.images = images;
        this.lock = lock;
        this.clock = clock;
    }

    /** Runs one collection. */
    Result collect() {
        long start = System.nanoTime();
        Result r;
        lock.writeLock().lock();
        try {
            r = sweep(mark(), start);
        } finally {
            lock.writeLock().unlock();
        }
        LOG.info("gc: removed {} blob(s) ({} bytes) and {} snapshot(s) ({} bytes) in {} ms", r.blobsRemoved(), r.blobBytes(),
                r.snapshotsRemoved(), r.snapshotBytes(), r.duration().toMillis());
        return r;
    }

    /** Everything that exists and what of it is reachable, as seen under the lock; snapshots by snapshotter id. */
    private record Marked(Map<Digest, Info> blobs, Set<Digest> liveBlobs,
                          Map<String, Map<String, dev.berth.core.snapshot.Info>> snaps, Map<String, Set<String>> liveSnaps) {
    }

    private Marked mark() {
        content.collectExpiredLeases();
        Instant now = clock.instant();
        Deque<Digest> blobQueue = new ArrayDeque<>();
        Map<String, Deque<String>> snapQueues = new HashMap<>();
        snapshotters.keySet().forEach(id -> snapQueues.put(id, new ArrayDeque<>()));

        for (Lease l : content.leases()) {
            if (!l.expiredAt(now)) {
                blobQueue.addAll(l.resources());
            }
        }
        Map<Digest, Info> blobs = new HashMap<>();
        content.walk(Filter.all(), i -> blobs.put(i.digest(), i));
        blobs.values().stream().filter(i -> i.labels().containsKey(ContentLabels.GC_ROOT)).forEach(i -> blobQueue.add(i.digest()));
        for (ImageRecord image : images.get()) {
            for (String d : List.of(image.target(), image.manifest(), image.id())) {
                parseDigest(d).ifPresent(blobQueue::add);
            }
            if (!image.snapshot().isEmpty()) {
                snapQueues.values().forEach(q -> q.add(image.snapshot()));
            }
        }

        Map<String, Map<String, dev.berth.core.snapshot.Info>> snaps = new HashMap<>();
        snapshotters.forEach((id, snapshotter) -> {
            Map<String, dev.berth.core.snapshot.Info> these = new HashMap<>();
            snapshotter.walk(i -> true, i -> these.put(i.name(), i));
            for (dev.berth.core.snapshot.Info s : these.values()) {
                if (s.labels().containsKey(SnapshotLabels.GC_ROOT) || s.kind() != Kind.COMMITTED && !staleExtract(s, now)) {
                    snapQueues.get(id).add(s.name());
                }
            }
            snaps.put(id, these);
        });

        Set<Digest> liveBlobs = new HashSet<>();
        while (!blobQueue.isEmpty()) {
            Digest d = blobQueue.poll();
            if (!liveBlobs.add(d)) {
                continue;
            }
            Info info = blobs.get(d);
            if (info == null) {
                info = content.info(d).orElse(null); // committed since the walk, or never fetched (another platform)
            }
            if (info == null) {
                continue;
            }
            for (Map.Entry<String, String> label : info.labels().entrySet()) {
                if (label.getKey().startsWith(ContentLabels.GC_REF_CONTENT_PREFIX)) {
                    parseDigest(label.getValue()).ifPresent(blobQueue::add);
                } else if (label.getKey().startsWith(SnapshotLabels.GC_REF_SNAPSHOT_PREFIX)) {
                    Deque<String> q = snapQueues.get(label.getKey().substring(SnapshotLabels.GC_REF_SNAPSHOT_PREFIX.length()));
                    if (q != null) { // a snapshotter not running now keeps what it has
                        q.add(label.getValue());
                    }
                }
            }
        }

        Map<String, Set<String>> liveSnaps = new HashMap<>();
        snapQueues.forEach((id, queue) -> liveSnaps.put(id, reachable(queue, snaps.get(id))));
        return new Marked(blobs, liveBlobs, snaps, liveSnaps);
    }

    /** The snapshots {@code roots} name and all their parents. */
    private static Set<String> reachable(Deque<String> roots, Map<String, dev.berth.core.snapshot.Info> snaps) {
        Set<String> live = new HashSet<>();
        while (!roots.isEmpty()) {
            String name = roots.poll();
            if (!live.add(name)) {
                continue;
            }
            dev.berth.core.snapshot.Info s = snaps.get(name);
            if (s != null && s.parent() != null && !s.parent().isEmpty()) {
                roots.add(s.parent());
            }
        }
        return live;
    }

    private Result sweep(Marked m, long start) {
        int blobsRemoved = 0;
        long blobBytes = 0;
        for (Info blob : m.blobs().values()) {
            if (m.liveBlobs().contains(blob.digest())) {
                continue;
            }
            try {
                content.delete(blob.digest());
                blobsRemoved++;
                blobBytes += blob.size();
            } catch (BerthException e) {
                if (e.kind() == ErrorKind.FAILED_PRECONDITION) {
                    LOG.debug("gc: keeping {}: {}", blob.digest(), e.getMessage()); // a lease taken since marking
                } else if (e.kind() != ErrorKind.NOT_FOUND) {
                    LOG.warn("gc: cannot delete content {}: {}", blob.digest(), e.getMessage());
                }
            }
        }

        int snapshotsRemoved = 0;
        long snapshotBytes = 0;
        for (Map.Entry<String, Snapshotter> e : snapshotters.entrySet()) {
            String id = e.getKey();
            for (dev.berth.core.snapshot.Info s : deepestFirst(m.snaps().get(id), m.liveSnaps().get(id))) {
                long size = sizeOf(e.getValue(), s.name());
                if (removeSnapshot(id, e.getValue(), s.name())) {
                    snapshotsRemoved++;
                    snapshotBytes += size;
                }
            }
        }
        return new Result(blobsRemoved, blobBytes, snapshotsRemoved, snapshotBytes, Duration.ofNanos(System.nanoTime() - start));
    }

    private static boolean removeSnapshot(String snapshotter, Snapshotter snapshots, String name) {
        try {
            snapshots.remove(name);
            return true;
        } catch (BerthException e) {
            if (e.kind() == ErrorKind.FAILED_PRECONDITION) {
                LOG.debug("gc: keeping snapshot {} of {}: {}", name, snapshotter, e.getMessage()); // a child appeared since marking
            } else if (e.kind() != ErrorKind.NOT_FOUND) {
                LOG.warn("gc: cannot remove snapshot {} of {}: {}", name, snapshotter, e.getMessage());
            }
            return false;
        }
    }

    /** The unmarked snapshots, children before parents (a snapshotter refuses to remove a parent first). */
    static List<dev.berth.core.snapshot.Info> deepestFirst(Map<String, dev.berth.core.snapshot.Info> all, Set<String> live) {
        Map<String, Integer> depth = new HashMap<>();
        List<dev.berth.core.snapshot.Info> dead = new ArrayList<>();
        for (dev.berth.core.snapshot.Info s : all.values()) {
            if (!live.contains(s.name())) {
                dead.add(s);
                depth(s.name(), all, depth);
            }
        }
        dead.sort(Comparator.comparingInt((dev.berth.core.snapshot.Info s) -> depth.get(s.name())).reversed()
                .thenComparing(dev.berth.core.snapshot.Info::name));
        return dead;
    }

    /** Length of the parent chain below {@code name}, memoised; iterative, and safe against a cycle. */
    private static int depth(String name, Map<String, dev.berth.core.snapshot.Info> all, Map<String, Integer> memo) {
        List<String> path = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        String at = name;
        int base = 0;
        while (at != null && all.containsKey(at)) {
            Integer known = memo.get(at);
            if (known != null) {
                base = known + 1;
                break;
            }
            if (!seen.add(at)) {
                break; // a cycle cannot happen in a sound store; stop rather than loop
            }
            path.add(at);
            String parent = all.get(at).parent();
            at = parent == null || parent.isEmpty() ? null : parent;
        }
        for (int i = path.size() - 1; i >= 0; i--) {
            memo.put(path.get(i), base++);
        }
        return memo.get(name);
    }

    private boolean staleExtract(dev.berth.core.snapshot.Info s, Instant now) {
        return s.kind() == Kind.ACTIVE && s.name().startsWith(EXTRACT_PREFIX)
                && !s.created().plus(STALE_EXTRACT).isAfter(now);
    }

    private static long sizeOf(Snapshotter snapshots, String snapshot) {
        try {
            return snapshots.usage(snapshot).size();
        } catch (RuntimeException e) {
            return 0; // only for the log line
        }
    }

    private static Optional<Digest> parseDigest(String value) {
        try {
            return Optional.of(Digest.parse(value));
        } catch (BerthException e) {
            return Optional.empty(); // a malformed reference protects nothing
        }
    }
}
