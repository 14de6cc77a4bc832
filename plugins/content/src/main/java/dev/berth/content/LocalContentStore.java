package dev.berth.content;

import dev.berth.core.fs.FileTrees;
import dev.berth.core.content.ContentStore;
import dev.berth.core.content.Digest;
import dev.berth.core.content.NativeDigests;
import dev.berth.core.content.Filter;
import dev.berth.core.content.Info;
import dev.berth.core.content.Lease;
import dev.berth.core.content.ReaderAt;
import dev.berth.core.content.Status;
import dev.berth.core.content.Writer;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local content store. Layout under its root:
 * <pre>
 * blobs/&lt;alg&gt;/&lt;hex&gt;          committed blobs, read-only (0444)
 * ingest/&lt;sha256(ref)&gt;/       one ingest: ref, startedat, total, [expected], data
 * meta.db                     labels, created/updated times, leases (H2 MVStore)
 * </pre>
 * A blob exists exactly when its file is in {@code blobs/}: commit writes its metadata first, then renames the
 * verified ingest data into place, so a crash in between leaves metadata without a blob, which start-up drops
 * (the ingest is still there to resume). Changes that touch files and metadata together are serialised.
 */
public final class LocalContentStore implements ContentStore, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalContentStore.class);
    /** containerd's lease id rule. */
    private static final Pattern LEASE_ID = Pattern.compile("[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*");
    private static final int MAX_LEASE_ID = 76;
    private static final List<String> ALGORITHMS = List.of(Digest.SHA256, Digest.SHA512);

    private final Path blobsDir;
    private final Path ingestDir;
    private final MetadataDb db;
    private final Clock clock;
    /** Ref → the writer holding its lock. */
    private final ConcurrentHashMap<String, LocalWriter> writers = new ConcurrentHashMap<>();
    /** Serialises changes that touch blob files and metadata together: commit, delete, labels, leases. */
    private final Object mutation = new Object();
    private volatile boolean closed;

    private LocalContentStore(Path root, Clock clock) throws IOException {
        this.clock = clock;
        this.blobsDir = root.resolve("blobs");
        this.ingestDir = root.resolve("ingest");
        for (String alg : ALGORITHMS) {
            FileOps.createPrivateDirectories(blobsDir.resolve(alg));
        }
        FileOps.createPrivateDirectories(ingestDir);
        this.db = new MetadataDb(root.resolve("meta.db"));
        try {
            recover();
        } catch (IOException | RuntimeException e) {
            db.close();
            throw e;
        }
    }

    /** Opens (creating if needed) the store under {@code root}. */
    public static LocalContentStore open(Path root) {
        return open(root, Clock.systemUTC());
    }

    /** Opens the store with a clock for timestamps and lease expiry (tests move time). */
    public static LocalContentStore open(Path root, Clock clock) {
        try {
            return new LocalContentStore(root, clock);
        } catch (IOException e) {
            throw IoErrors.of("opening content store at " + root, e);
        }
    }

    /** Removes what a crash can leave: half-built or finished ingest dirs, metadata of blobs never renamed in. */
    private void recover() throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(ingestDir)) {
            for (Path p : ds) {
                boolean temp = p.getFileName().toString().startsWith(IngestDir.TEMP_PREFIX);
                if (temp || !Files.isDirectory(p) || new IngestDir(p).read().isEmpty()) {
                    LOG.info("content store: removing incomplete ingest {}", p);
                    FileTrees.deleteRecursively(p);
                }
            }
        }
        List<String> stale = new ArrayList<>();
        for (String key : db.blobKeys()) {
            if (!Files.exists(blobPath(Digest.parse(key)))) {
                stale.add(key);
            }
        }
        if (!stale.isEmpty()) {
            LOG.info("content store: dropping metadata of {} blob(s) that were never committed", stale.size());
            db.removeBlobKeys(stale);
        }
    }

    private Path blobPath(Digest d) {
        return blobsDir.resolve(d.algorithm()).resolve(d.hex());
    }

    @Override
    public Optional<Info> info(Digest digest) {
        Objects.requireNonNull(digest, "digest");
        ensureOpen();
        return attributes(digest).map(a -> toInfo(digest, a));
    }

    private Optional<BasicFileAttributes> attributes(Digest d) {
        try {
            return Optional.of(Files.readAttributes(blobPath(d), BasicFileAttributes.class));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw IoErrors.of("stat content " + d, e);
        }
    }

    private Info toInfo(Digest d, BasicFileAttributes a) {
        BlobMeta m = db.blob(d);
        if (m == null) { // only if meta.db was lost or replaced: the blob itself is still good
            Instant t = a.lastModifiedTime().toInstant();
            return new Info(d, a.size(), t, t, Map.of());
        }
        return new Info(d, a.size(), m.createdAt(), m.updatedAt(), m.labels());
    }

    @Override
    public Info update(Digest digest, Map<String, String> labels) {
        Objects.requireNonNull(digest, "digest");
        Labels.validate(labels);
        ensureOpen();
        synchronized (mutation) {
            BasicFileAttributes a = attributes(digest).orElseThrow(() -> notFound(digest));
            Info old = toInfo(digest, a);
            Map<String, String> next = new HashMap<>(old.labels());
            labels.forEach((k, v) -> {
                if (v.isEmpty()) {
                    next.remove(k);
                } else {
                    next.put(k, v);
                }
            });
            Instant now = clock.instant();
            db.putBlob(digest, new BlobMeta(old.createdAt(), now, next));
            return new Info(digest, a.size(), old.createdAt(), now, next);
        }
    }

    @Override
    public void walk(Filter filter, Consumer<Info> consumer) {
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(consumer, "consumer");
        ensureOpen();
        List<Info> matched = new ArrayList<>();
        forEachBlob((d, a) -> {
            Info info = toInfo(d, a);
            if (filter.matches(info)) {
                matched.add(info);
            }
        });
        matched.forEach(consumer); // outside any directory stream, so the consumer may change the store
    }

    private interface BlobVisitor {
        void visit(Digest d, BasicFileAttributes a);
    }

    private void forEachBlob(BlobVisitor visitor) {
        for (String alg : ALGORITHMS) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(blobsDir.resolve(alg))) {
                for (Path p : ds) {
                    Digest d;
                    try {
                        d = new Digest(alg, p.getFileName().toString());
                    } catch (BerthException e) {
                        continue; // not ours
                    }
                    BasicFileAttributes a;
                    try {
                        a = Files.readAttributes(p, BasicFileAttributes.class);
                    } catch (NoSuchFileException e) {
                        continue; // deleted meanwhile
                    }
                    visitor.visit(d, a);
                }
            } catch (IOException e) {
                throw IoErrors.of("listing blobs", e);
            }
        }
    }

    @Override
    public void delete(Digest digest) {
        Objects.requireNonNull(digest, "digest");
        ensureOpen();
        synchronized (mutation) {
            Path p = blobPath(digest);
            if (!Files.exists(p)) {
                throw notFound(digest);
            }
            Instant now = clock.instant();
            for (Lease l : db.leases()) {
                if (!l.expiredAt(now) && l.resources().contains(digest)) {
                    throw BerthException.failedPrecondition("content %s is held by lease %s", digest, l.id());
                }
            }
            try {
                Files.delete(p);
                FileOps.syncDirectory(p.getParent());
            } catch (NoSuchFileException e) {
                throw notFound(digest);
            } catch (IOException e) {
                throw IoErrors.of("deleting content " + digest, e);
            }
            db.removeBlob(digest);
        }
    }

    @Override
    public ReaderAt openReader(Digest digest) {
        Objects.requireNonNull(digest, "digest");
        ensureOpen();
        try {
            return new FileReaderAt(FileChannel.open(blobPath(digest), StandardOpenOption.READ));
        } catch (NoSuchFileException e) {
            throw notFound(digest);
        } catch (IOException e) {
            throw IoErrors.of("opening content " + digest, e);
        }
    }

    @Override
    public Writer writer(String ref, long expectedSize, Digest expected) {
        requireRef(ref);
        if (expectedSize < -1) {
            throw BerthException.invalidArgument("expected size of ref %s must be >= 0, or -1 for unknown: %d", ref, expectedSize);
        }
        ensureOpen();
        if (expected != null && Files.exists(blobPath(expected))) {
            throw new BerthException(ErrorKind.ALREADY_EXISTS, "content " + expected + ": already exists");
        }
        LocalWriter w = new LocalWriter(this, ref);
        if (writers.putIfAbsent(ref, w) != null) {
            throw BerthException.unavailable("ref %s is locked", ref);
        }
        try {
            w.open(ingestDir, expectedSize, expected, clock.instant());
            return w;
        } catch (IOException e) {
            writers.remove(ref, w);
            throw IoErrors.of("opening writer for ref " + ref, e);
        } catch (RuntimeException | Error e) {
            writers.remove(ref, w);
            throw e;
        }
    }

    @Override
    public List<Status> ingests() {
        ensureOpen();
        List<Status> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(ingestDir)) {
            for (Path p : ds) {
                if (p.getFileName().toString().startsWith(IngestDir.TEMP_PREFIX)) {
                    continue;
                }
                IngestDir dir = new IngestDir(p);
                Optional<IngestDir.Header> h = dir.read();
                if (h.isPresent()) {
                    dir.status(h.get()).ifPresent(out::add);
                }
            }
        } catch (IOException e) {
            throw IoErrors.of("listing ingests", e);
        }
        return out;
    }

    @Override
    public void abort(String ref) {
        requireRef(ref);
        ensureOpen();
        while (true) {
            LocalWriter token = new LocalWriter(this, ref); // never opened: holds the ref lock while we delete
            LocalWriter held = writers.putIfAbsent(ref, token);
            try {
                if (held == null) {
                    try {
                        IngestDir dir = IngestDir.forRef(ingestDir, ref);
                        if (!Files.isDirectory(dir.dir())) {
                            throw BerthException.notFound("ingest %s: not found", ref);
                        }
                        dir.delete();
                        return;
                    } finally {
                        writers.remove(ref, token);
                    }
                }
                switch (held.abortByStore()) {
                    case ABORTED:
                        return;
                    case BUSY:
                        throw BerthException.unavailable("ref %s is locked", ref);
                    default:
                        break; // the writer finished meanwhile and released the lock: try again
                }
            } catch (IOException e) {
                throw IoErrors.of("aborting ref " + ref, e);
            }
        }
    }

    @Override
    public long usage() {
        ensureOpen();
        long[] total = {0};
        forEachBlob((d, a) -> total[0] += a.size());
        return total[0];
    }

    @Override
    public Lease createLease(String id, Map<String, String> labels, Duration expire) {
        NativeDigests.preload(); // a lease announces ingests (a pull): have the fast digest ready by then
        if (id == null || id.length() > MAX_LEASE_ID || !LEASE_ID.matcher(id).matches()) {
            throw BerthException.invalidArgument("invalid lease id %s: want letters and digits separated by . _ or -, "
                    + "at most %d characters", id, MAX_LEASE_ID);
        }
        Map<String, String> clean = Labels.forCommit(labels);
        if (expire != null && (expire.isNegative() || expire.isZero())) {
            throw BerthException.invalidArgument("lease %s: expire must be positive, or null for never: %s", id, expire);
        }
        ensureOpen();
        synchronized (mutation) {
            if (db.lease(id) != null) {
                throw new BerthException(ErrorKind.ALREADY_EXISTS, "lease " + id + ": already exists");
            }
            Instant now = clock.instant();
            Lease l = new Lease(id, clean, now, Optional.ofNullable(expire).map(now::plus), Set.of());
            db.putLease(l);
            return l;
        }
    }

    @Override
    public void deleteLease(String id) {
        Objects.requireNonNull(id, "id");
        ensureOpen();
        synchronized (mutation) {
            if (db.lease(id) == null) {
                throw BerthException.notFound("lease %s: not found", id);
            }
            db.removeLeases(List.of(id));
        }
    }

    @Override
    public void addLeaseResource(String leaseId, Digest digest) {
        Objects.requireNonNull(leaseId, "leaseId");
        Objects.requireNonNull(digest, "digest");
        ensureOpen();
        synchronized (mutation) {
            Lease l = db.lease(leaseId);
            if (l == null) {
                throw BerthException.notFound("lease %s: not found", leaseId);
            }
            if (l.resources().contains(digest)) {
                return;
            }
            Set<Digest> resources = new LinkedHashSet<>(l.resources());
            resources.add(digest);
            db.putLease(new Lease(l.id(), l.labels(), l.createdAt(), l.expiresAt(), resources));
        }
    }

    @Override
    public List<Lease> leases() {
        ensureOpen();
        return db.leases();
    }

    @Override
    public List<Lease> collectExpiredLeases() {
        ensureOpen();
        synchronized (mutation) {
            Instant now = clock.instant();
            List<Lease> expired = db.leases().stream().filter(l -> l.expiredAt(now)).toList();
            if (!expired.isEmpty()) {
                db.removeLeases(expired.stream().map(Lease::id).toList());
                LOG.debug("content store: removed {} expired lease(s)", expired.size());
            }
            return expired;
        }
    }

    /**
     * Makes a verified ingest a blob: metadata first, then the atomic rename, then the directory sync.
     *
     * @throws BerthException ALREADY_EXISTS when the blob exists; the ingest is removed
     */
    Info publish(IngestDir ingest, Digest digest, long size, Map<String, String> labels) throws IOException {
        Path blob = blobPath(digest);
        Instant now = clock.instant();
        synchronized (mutation) {
            if (Files.exists(blob)) {
                ingest.delete();
                throw new BerthException(ErrorKind.ALREADY_EXISTS, "content " + digest + ": already exists");
            }
            FileOps.setPermissions(ingest.data(), FileOps.READ_ONLY);
            db.putBlob(digest, new BlobMeta(now, now, labels));
            try {
                Files.move(ingest.data(), blob, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException | RuntimeException e) {
                db.removeBlob(digest);
                throw e;
            }
            FileOps.syncDirectory(blob.getParent());
        }
        try {
            ingest.delete();
        } catch (IOException e) {
            LOG.warn("content store: could not remove ingest dir {} after commit (removed at next start)", ingest.dir(), e);
        }
        return new Info(digest, size, now, now, labels);
    }

    /** Releases the ref lock that {@code w} holds. */
    void release(String ref, LocalWriter w) {
        writers.remove(ref, w);
    }

    /** Closes open writers (their ingests stay for a resume) and the metadata file. */
    @Override
    public void close() {
        closed = true;
        for (LocalWriter w : List.copyOf(writers.values())) {
            w.close();
        }
        db.close();
    }

    private void ensureOpen() {
        if (closed) {
            throw BerthException.unavailable("content store is closed");
        }
    }

    private static void requireRef(String ref) {
        if (ref == null || ref.isBlank()) {
            throw BerthException.invalidArgument("ref must not be empty");
        }
    }

    private static BerthException notFound(Digest d) {
        return BerthException.notFound("content %s: not found", d);
    }
}
