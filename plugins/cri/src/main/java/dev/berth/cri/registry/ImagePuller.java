package dev.berth.cri.registry;

import dev.berth.core.content.ContentLabels;
import dev.berth.core.content.ContentStore;
import dev.berth.core.content.Digest;
import dev.berth.core.content.Writer;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.cri.CallCancellation;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pulls images into the content store: resolves the reference, picks the platform's manifest from an index,
 * downloads config and layers (several layers at once, one download per blob however many pulls want it), and
 * stores every blob labelled so that garbage collection can walk from the index or manifest to each layer.
 *
 * <p>While a pull runs, a lease holds everything it writes; the lease is deleted when the pull ends, so the caller
 * must make the result reachable (e.g. label the target as a GC root) — do that inside
 * {@link #pull(ImageReference, Credentials, Platform, Consumer)} to have no unprotected moment. A failed pull
 * leaves no ingest behind and no lease.
 */
public final class ImagePuller implements AutoCloseable {
    /** How often a pull waiting for downloads checks that its client still waits. */
    private static final long CANCEL_POLL_MS = 100;
    private static final Logger LOG = LoggerFactory.getLogger(ImagePuller.class);
    private static final Duration LEASE_EXPIRY = Duration.ofHours(1);
    private static final String INGEST_PREFIX = "pull-";
    /** How long to wait for another writer (e.g. a second puller on the same store) to release an ingest ref. */
    private static final long LOCKED_WAIT_MS = 30_000;
    private static final AtomicInteger POOLS = new AtomicInteger();

    private final ContentStore store;
    private final RegistryClient client;
    private final RegistryConfig config;
    private final ExecutorService ownPool;
    private final BlobDownloads downloads;
    private final LongConsumer downloaded;

    /** A puller with its own bounded download pool. */
    public ImagePuller(ContentStore store, RegistryConfig config) {
        this(store, new RegistryClient(config), null);
    }

    /** A puller downloading on {@code executor}. */
    public ImagePuller(ContentStore store, RegistryConfig config, Executor executor) {
        this(store, new RegistryClient(config), Objects.requireNonNull(executor, "executor"));
    }

    /**
     * A puller using {@code client}, downloading on {@code executor} or, when it is null, on a bounded pool of its
     * own (closed by {@link #close()}).
     */
    public ImagePuller(ContentStore store, RegistryClient client, Executor executor) {
        this(store, client, executor, n -> { });
    }

    /**
     * Like {@link #ImagePuller(ContentStore, RegistryClient, Executor)}, telling {@code downloaded} every number of bytes
     * fetched from a registry (manifests, configs, layers; a resumed layer counts only what it fetched anew).
     */
    public ImagePuller(ContentStore store, RegistryClient client, Executor executor, LongConsumer downloaded) {
        this.downloaded = Objects.requireNonNull(downloaded, "downloaded");
        this.store = Objects.requireNonNull(store, "store");
        this.client = Objects.requireNonNull(client, "client");
        this.config = client.config();
        if (executor == null) {
            int threads = Math.max(4, config.maxConcurrentDownloads() * 4);
            int pool = POOLS.incrementAndGet();
            AtomicInteger n = new AtomicInteger();
            ThreadPoolExecutor tpe = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
                Thread t = new Thread(r, "berth-pull-" + pool + "-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            tpe.allowCoreThreadTimeOut(true);
            this.ownPool = tpe;
            executor = tpe;
        } else {
            this.ownPool = null;
        }
        this.downloads = new BlobDownloads(executor);
    }

    /** Parses an image config (e.g. one re-read from the content store). */
    public static ImageConfig parseConfig(byte[] json) {
        return ImageConfig.parse(json);
    }

    /** Pulls {@code ref} for {@code platform}; see {@link #pull(ImageReference, Credentials, Platform, Consumer)}. */
    public PulledImage pull(ImageReference ref, Credentials creds, Platform platform) {
        return pull(ref, creds, platform, null);
    }

    /**
     * Pulls {@code ref} for {@code platform}.
     *
     * @param whileLeased called with the result while the pull's lease still protects its blobs (may be null): the
     *                    place to record the image; if it throws, the pull fails with its exception
     * @throws BerthException NOT_FOUND (no such image, or no manifest for the platform); PERMISSION_DENIED;
     *                        UNAVAILABLE (registry unreachable); RESOURCE_EXHAUSTED (manifest or config too large);
     *                        FAILED_PRECONDITION (digest mismatch); INVALID_ARGUMENT (malformed image)
     */
    public PulledImage pull(ImageReference ref, Credentials creds, Platform platform, Consumer<PulledImage> whileLeased) {
        Objects.requireNonNull(ref, "ref");
        Objects.requireNonNull(platform, "platform");
        Credentials c = creds == null ? Credentials.none() : creds;
        String leaseId = "pull-" + UUID.randomUUID();
        store.createLease(leaseId, Map.of("berth.io/pull", ref.toString()), LEASE_EXPIRY);
        long started = System.nanoTime();
        try {
            PulledImage image = pullLeased(ref, c, platform, leaseId);
            if (whileLeased != null) {
                whileLeased.accept(image);
            }
            LOG.info("pulled {} ({} for {}, {} bytes) in {} ms", ref, image.target(), platform, image.size(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            return image;
        } catch (BerthException e) {
            LOG.info("pull of {} failed: {}", ref, e.getMessage());
            throw e;
        } finally {
            try {
                store.deleteLease(leaseId);
            } catch (BerthException e) {
                LOG.warn("cannot delete lease {} of the pull of {}: {}", leaseId, ref, e.getMessage());
            }
        }
    }

    private PulledImage pullLeased(ImageReference ref, Credentials creds, Platform platform, String leaseId) {
        FetchedManifest target = client.fetchManifest(ref, ref.reference(), creds);
        downloaded.accept(target.bytes().length);
        store.addLeaseResource(leaseId, target.digest());
        FetchedManifest manifestBlob = target;
        Map<String, String> indexLabels = Map.of();
        if (target.isIndex()) {
            String what = "index " + target.digest() + " of " + ref;
            ManifestJson.Index index = ManifestJson.index(target.bytes(), target.mediaType(), what);
            int chosen = choose(index, platform, ref);
            Descriptor d = index.manifests().get(chosen);
            store.addLeaseResource(leaseId, d.digest());
            manifestBlob = client.fetchManifest(ref, d.digest().toString(), creds);
            downloaded.accept(manifestBlob.bytes().length);
            if (manifestBlob.isIndex()) {
                throw BerthException.invalidArgument("%s: nested index %s for %s is not supported", ref, d.digest(), platform);
            }
            indexLabels = Map.of(ContentLabels.gcRefContent("m." + chosen), d.digest().toString());
        }
        String what = "manifest " + manifestBlob.digest() + " of " + ref;
        ManifestJson.Manifest manifest = ManifestJson.manifest(manifestBlob.bytes(), manifestBlob.mediaType(), what);
        store.addLeaseResource(leaseId, manifest.config().digest());
        for (Descriptor l : manifest.layers()) {
            store.addLeaseResource(leaseId, l.digest());
        }

        byte[] configBytes = client.fetchBlob(ref, manifest.config(), config.maxConfigSize(), creds);
        downloaded.accept(configBytes.length);
        ImageConfig imageConfig = ImageConfig.parse(configBytes);
        if (imageConfig.diffIds().size() != manifest.layers().size()) {
            throw BerthException.invalidArgument("image config %s of %s lists %d rootfs.diff_ids for %d layers",
                    manifest.config().digest(), ref, imageConfig.diffIds().size(), manifest.layers().size());
        }

        downloadLayers(ref, creds, manifest.layers());

        // children first, so that whatever is visible references only blobs that exist
        writeSmall(manifest.config().digest(), configBytes, Map.of());
        Map<String, String> manifestLabels = new LinkedHashMap<>();
        manifestLabels.put(ContentLabels.gcRefContent("config"), manifest.config().digest().toString());
        for (int i = 0; i < manifest.layers().size(); i++) {
            manifestLabels.put(ContentLabels.gcRefContent("l." + i), manifest.layers().get(i).digest().toString());
        }
        writeSmall(manifestBlob.digest(), manifestBlob.bytes(), manifestLabels);
        if (target.isIndex()) {
            writeSmall(target.digest(), target.bytes(), indexLabels);
        }
        long size = manifest.config().size();
        for (Descriptor l : manifest.layers()) {
            size += l.size();
        }
        return new PulledImage(ref, target.digest(), manifestBlob.digest(), manifest.config().digest(), imageConfig,
                manifest.layers(), size);
    }

    /** The index entry for {@code platform}: the best-scoring match, the first one on a tie. */
    private static int choose(ManifestJson.Index index, Platform platform, ImageReference ref) {
        int best = -1;
        int bestScore = -1;
        List<String> available = new ArrayList<>();
        for (int i = 0; i < index.manifests().size(); i++) {
            Descriptor d = index.manifests().get(i);
            if (d.platform() == null || !(d.mediaType().isEmpty() || MediaTypes.isManifest(d.mediaType()))) {
                continue;
            }
            if (!d.platform().os().equals("unknown")) { // buildkit's attestation manifests say unknown/unknown
                available.add(d.platform().toString());
            }
            int score = platform.score(d.platform());
            if (score > bestScore) {
                best = i;
                bestScore = score;
            }
        }
        if (best < 0) {
            throw BerthException.notFound("no manifest for platform %s in %s (available: %s)", platform, ref,
                    available.isEmpty() ? "none" : String.join(", ", available));
        }
        return best;
    }

    private void downloadLayers(ImageReference ref, Credentials creds, List<Descriptor> layers) {
        Semaphore slots = new Semaphore(config.maxConcurrentDownloads());
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<BlobDownloads.Download> joined = new ArrayList<>();
        try {
            for (Descriptor layer : layers) {
                while (!slots.tryAcquire(CANCEL_POLL_MS, TimeUnit.MILLISECONDS)) {
                    checkClient(ref);
                }
                if (failure.get() != null) {
                    slots.release();
                    break;
                }
                BlobDownloads.Download d = downloads.join(layer.digest(), dl -> download(ref, creds, layer, dl));
                joined.add(d);
                d.done().whenComplete((v, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    }
                    slots.release();
                });
            }
            for (BlobDownloads.Download d : joined) {
                try {
                    awaitDownload(d, ref);
                } catch (ExecutionException e) {
                    failure.compareAndSet(null, e.getCause());
                }
            }
        } catch (BerthException e) {
            failure.compareAndSet(null, e); // the client went: stop what only this pull wanted
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure.compareAndSet(null, new BerthException(ErrorKind.CANCELLED, "pull of " + ref + " interrupted"));
        }
        Throwable f = failure.get();
        if (f == null) {
            return;
        }
        // stop what only this pull wanted, and wait until it has cleaned up its ingest
        List<BlobDownloads.Download> stopping = new ArrayList<>();
        for (BlobDownloads.Download d : joined) {
            if (d.leave()) {
                stopping.add(d);
            }
        }
        for (BlobDownloads.Download d : stopping) {
            d.done().handle((v, e) -> null).join();
        }
        throw asBerth(f, ref);
    }

    /**
     * Bytes the writer took since {@code from}; 0 when a failed write (a full disk) closed it, so that counting never
     * hides the failure itself.
     */
    private static long fetchedSince(Writer w, long from) {
        try {
            return w.offset() - from;
        } catch (BerthException closed) {
            return 0;
        }
    }

    /** Waits for one download, checking now and then that the client still waits for the pull. */
    private static void awaitDownload(BlobDownloads.Download d, ImageReference ref)
            throws ExecutionException, InterruptedException {
        while (true) {
            try {
                d.done().get(CANCEL_POLL_MS, TimeUnit.MILLISECONDS);
                return;
            } catch (TimeoutException e) {
                checkClient(ref);
            }
        }
    }

    /** CANCELLED when the CRI client of this pull has gone (cancelled, or past its deadline). */
    private static void checkClient(ImageReference ref) {
        if (CallCancellation.requested()) {
            throw new BerthException(ErrorKind.CANCELLED, "pull of " + ref + " cancelled: the client has gone "
                    + "(cancelled, or past its deadline)");
        }
    }

    private void download(ImageReference ref, Credentials creds, Descriptor layer, BlobDownloads.Download dl) {
        String ingest = INGEST_PREFIX + layer.digest();
        Writer w = openWriter(ingest, layer.size(), layer.digest());
        if (w == null) {
            return; // already in the store
        }
        boolean committed = false;
        try {
            if (w.offset() > 0) {
                LOG.info("resuming download of layer {} of {} at {} of {} bytes", layer.digest(), ref, w.offset(), layer.size());
            }
            long from = w.offset();
            try {
                client.fetchBlob(ref, layer, w, creds, dl::isCancelled);
            } finally {
                downloaded.accept(fetchedSince(w, from)); // a failed download cost its bytes too
            }
            commit(w, layer.size(), layer.digest(), Map.of(), "layer " + layer.digest() + " of " + ref);
            committed = true;
        } finally {
            if (!committed) {
                discard(w);
            }
        }
    }

    /** Writes a blob held in memory (config, manifest, index), or sets its labels when it exists already. */
    private void writeSmall(Digest digest, byte[] bytes, Map<String, String> labels) {
        String ingest = INGEST_PREFIX + digest;
        Writer w = openWriter(ingest, bytes.length, digest);
        if (w != null && w.offset() > 0) { // a leftover from a crash: start over, it is small
            discard(w);
            w = openWriter(ingest, bytes.length, digest);
        }
        if (w == null) {
            ensureLabels(digest, labels);
            return;
        }
        boolean committed = false;
        try {
            w.write(ByteBuffer.wrap(bytes));
            committed = commit(w, bytes.length, digest, labels, "blob " + digest);
        } finally {
            if (!committed) {
                discard(w);
            }
        }
        if (committed) {
            ensureLabels(digest, labels); // no-op unless the commit found the blob already there
        }
    }

    /** @return true once the blob exists (committed now or before) */
    private boolean commit(Writer w, long size, Digest digest, Map<String, String> labels, String what) {
        try {
            w.commit(size, digest, labels);
            return true;
        } catch (BerthException e) {
            if (e.kind() == ErrorKind.ALREADY_EXISTS) {
                return true;
            }
            if (e.kind() == ErrorKind.FAILED_PRECONDITION) {
                throw new BerthException(ErrorKind.FAILED_PRECONDITION, what + ": digest mismatch, download discarded ("
                        + e.getMessage() + ")", e);
            }
            throw e;
        }
    }

    private void ensureLabels(Digest digest, Map<String, String> labels) {
        if (labels.isEmpty()) {
            return;
        }
        var info = store.info(digest);
        if (info.isPresent() && info.get().labels().entrySet().containsAll(labels.entrySet())) {
            return;
        }
        store.update(digest, labels);
    }

    /** A writer for {@code ingest}, or null when the blob is already stored; waits a while for a locked ref. */
    private Writer openWriter(String ingest, long size, Digest digest) {
        long deadline = System.currentTimeMillis() + LOCKED_WAIT_MS;
        while (true) {
            try {
                return store.writer(ingest, size, digest);
            } catch (BerthException e) {
                if (e.kind() == ErrorKind.ALREADY_EXISTS) {
                    return null;
                }
                if (e.kind() != ErrorKind.UNAVAILABLE || System.currentTimeMillis() > deadline) {
                    throw e;
                }
            }
            if (store.info(digest).isPresent()) {
                return null;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new BerthException(ErrorKind.CANCELLED, "interrupted waiting for ingest " + ingest);
            }
        }
    }

    /** Closes {@code w} and removes its ingest, so that nothing half-written stays behind. */
    private void discard(Writer w) {
        String ingest = w.ref();
        try {
            w.close();
        } catch (RuntimeException e) {
            LOG.debug("closing writer {}: {}", ingest, e.toString());
        }
        try {
            store.abort(ingest);
        } catch (BerthException e) {
            if (e.kind() != ErrorKind.NOT_FOUND) {
                LOG.warn("cannot remove ingest {}: {}", ingest, e.getMessage());
            }
        }
    }

    private static BerthException asBerth(Throwable t, ImageReference ref) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof BerthException b) {
            return b;
        }
        return new BerthException(ErrorKind.INTERNAL, "pull of " + ref + " failed: " + t, t);
    }

    /** Stops the download pool this puller created, if any. */
    @Override
    public void close() {
        if (ownPool != null) {
            ownPool.shutdownNow();
        }
    }
}
