package dev.berth.cri.images;

import dev.berth.api.cri.v1.Int64Value;
import dev.berth.api.cri.v1.UInt64Value;
import dev.berth.api.cri.v1.AuthConfig;
import dev.berth.api.cri.v1.FilesystemIdentifier;
import dev.berth.api.cri.v1.FilesystemUsage;
import dev.berth.api.cri.v1.Image;
import dev.berth.api.cri.v1.ImageFsInfoResponse;
import dev.berth.api.cri.v1.ImageSpec;
import dev.berth.api.cri.v1.ImageStatusRequest;
import dev.berth.api.cri.v1.ImageStatusResponse;
import dev.berth.api.cri.v1.ListImagesRequest;
import dev.berth.api.cri.v1.ListImagesResponse;
import dev.berth.api.cri.v1.PullImageRequest;
import dev.berth.api.cri.v1.PullImageResponse;
import dev.berth.api.cri.v1.RemoveImageRequest;
import dev.berth.api.cri.v1.RemoveImageResponse;
import dev.berth.core.content.ContentLabels;
import dev.berth.core.content.ContentStore;
import dev.berth.core.content.Digest;
import dev.berth.core.content.Filter;
import dev.berth.core.diff.Applier;
import dev.berth.core.snapshot.Kind;
import dev.berth.core.snapshot.Snapshotter;
import dev.berth.core.snapshot.Usage;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.json.Json;
import dev.berth.core.metrics.Metrics;
import dev.berth.cri.registry.Credentials;
import dev.berth.cri.registry.Descriptor;
import dev.berth.cri.registry.ManifestJson;
import dev.berth.cri.registry.ImageConfig;
import dev.berth.cri.registry.ImagePuller;
import dev.berth.cri.registry.ImageReference;
import dev.berth.cri.registry.Platform;
import dev.berth.cri.registry.PulledImage;
import dev.berth.cri.sandboxes.RuntimeHandler;
import dev.berth.cri.snapshots.Snapshotters;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CRI ImageService's behaviour: pulls through the registry client into the content store, and keeps the
 * image records (names → config digest) that the CRI calls images.
 */
public final class Images implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Images.class);
    private final ContentStore content;
    private final ImagePuller puller;
    private final ImageStore store;
    private final String sandboxImage;
    private final Path root;
    private final Snapshotters snapshotters;
    /** One per running snapshotter, by its id; empty without a layer applier. */
    private final Map<String, Unpacker> unpackers = new LinkedHashMap<>();
    /** Pulls (recording) and removals share it; a garbage collection run holds it alone. */
    private final ReadWriteLock gcLock = new ReentrantReadWriteLock(true);
    private final GarbageCollector gc;
    private final GcScheduler gcScheduler;

    /**
     * @param snapshotters where layers are unpacked: the default snapshotter and each runtime handler's
     * @param applier      unpacks layers; null to keep pulled images in the content store only
     * @param sandboxImage the configured pause image (reported as pinned)
     * @param root         berth's root directory: its filesystem holds the content store and, in
     *                     {@code <type>.<id>} below it, each snapshotter's data (reported by ImageFsInfo)
     * @param gcInterval   time between scheduled garbage collections; zero for none (RemoveImage still triggers one)
     * @param metrics      where garbage collection runs are counted
     */
    public Images(ContentStore content, ImagePuller puller, Snapshotters snapshotters, Applier applier,
                  Path storeFile, String sandboxImage, Path root, Duration gcInterval, Metrics metrics) {
        this.content = content;
        this.snapshotters = snapshotters;
        if (applier != null) {
            snapshotters.running().forEach((id, s) -> unpackers.put(id, new Unpacker(content, s, id, applier)));
        }
        this.puller = puller;
        this.store = new ImageStore(storeFile);
        this.sandboxImage = normalise(sandboxImage);
        this.root = root;
        this.gc = new GarbageCollector(content, snapshotters.running(), store::list, gcLock, Clock.systemUTC());
        GcMetrics gcMetrics = new GcMetrics(metrics);
        this.gcScheduler = new GcScheduler(() -> gcMetrics.record(gc::collect), gcInterval);
        // what a daemon that died between RemoveImage and its collection left behind goes now, not in an hour
        gcScheduler.request();
    }

    private static String normalise(String name) {
        try {
            return ImageReference.parse(name).toString();
        } catch (BerthException e) {
            return name;
        }
    }

    /**
     * Pulls into the content store and unpacks into the snapshotter of {@code image.runtime_handler} (the CRI's
     * runtime-class aware pull), or of the default handler's snapshotter when it names none. Without that snapshotter
     * or a layer applier the image stays packed, and CreateContainer unpacks it where its pod's handler needs it.
     *
     * @throws BerthException INVALID_ARGUMENT for an unknown handler; FAILED_PRECONDITION, before anything is fetched,
     *                        when the handler named cannot unpack (its snapshotter is not running)
     */
    public PullImageResponse pull(PullImageRequest r) {
        String name = required(r.getImage(), "image.image");
        ImageReference ref = ImageReference.parse(name);
        Unpacker unpacker = unpackerForPull(r.getImage().getRuntimeHandler());
        List<String> tags = ref.digest() == null ? List.of(ref.toString()) : List.of();
        PulledImage p = puller.pull(ref, credentials(r.getAuth()), Platform.host(),
                pulled -> shared(() -> record(pulled, tags, unpacker)));
        String id = p.config().toString();
        return PullImageResponse.newBuilder().setImageRef(id).build();
    }

    /** The unpacker for a pull's handler; null (keep it packed) when the default handler's cannot unpack. */
    private Unpacker unpackerForPull(String handler) {
        RuntimeHandler h;
        try {
            h = snapshotters.handler(handler);
        } catch (BerthException e) {
            throw BerthException.invalidArgument("image.runtime_handler: %s", e.getMessage());
        }
        if (handler.isEmpty()) {
            return unpackers.get(snapshotters.idOf(h));
        }
        snapshotters.of(h);
        return unpacker(snapshotters.idOf(h));
    }

    /** Unpacks and records a pulled image; runs while the pull's lease still protects its blobs. */
    private void record(PulledImage p, List<String> tags, Unpacker unpacker) {
        String snapshot = unpacker == null ? topChain(p.imageConfig().diffIds())
                : unpacker.unpack(new Unpacker.Layers(p.ref().toString(), p.config(), p.layers(), p.imageConfig().diffIds()));
        ImageRecord image = new ImageRecord(p.config().toString(), tags, List.of(p.ref().repoDigest(p.target())),
                p.target().toString(), p.manifest().toString(), p.size(), p.imageConfig().user(), System.currentTimeMillis(),
                snapshot);
        content.update(p.target(), Map.of(ContentLabels.GC_ROOT, String.valueOf(image.pulledAt())));
        ImageRecord previous = store.get(image.id()).orElse(null);
        store.put(image);
        if (previous != null && !previous.target().equals(image.target())) {
            releaseRoot(previous.target());
            gcScheduler.request();
        }
    }

    /**
     * Makes sure {@code image} is unpacked in snapshotter {@code snapshotterId}, unpacking it from the content store
     * if it is not (once: concurrent calls wait for each other layer by layer).
     *
     * @return the name of its top layer's committed snapshot there: the parent of a container's root file system
     * @throws BerthException FAILED_PRECONDITION when the snapshotter or a layer applier is not running, or the
     *                        image's blobs are gone from the content store
     */
    public String unpacked(ImageRecord image, String snapshotterId) {
        Snapshotter snapshots = snapshotters.find(snapshotterId).orElseThrow(() -> BerthException.failedPrecondition(
                "snapshotter \"%s\" is not running: image %s cannot be unpacked into it", snapshotterId, image.id()));
        if (!image.snapshot().isEmpty() && committed(snapshots, image.snapshot())) {
            return image.snapshot();
        }
        Unpacker unpacker = unpacker(snapshotterId);
        gcLock.readLock().lock();
        try {
            String top = unpacker.unpack(layers(image));
            LOG.info("image {} unpacked into snapshotter {}", image.id(), snapshotterId);
            return top;
        } finally {
            gcLock.readLock().unlock();
        }
    }

    private Unpacker unpacker(String snapshotterId) {
        Unpacker u = unpackers.get(snapshotterId);
        if (u == null) {
            throw BerthException.failedPrecondition("no layer applier (%s plugin) is running: images cannot be unpacked"
                    + " into snapshotter \"%s\"", dev.berth.core.plugin.PluginTypes.DIFF, snapshotterId);
        }
        return u;
    }

    /** What unpacking {@code image} again needs, read from the content store. */
    private Unpacker.Layers layers(ImageRecord image) {
        try {
            List<Descriptor> layers = ManifestJson.layers(blob(image.manifest()), "manifest " + image.manifest());
            return new Unpacker.Layers(image.id(), Digest.parse(image.id()), layers, config(image).diffIds());
        } catch (BerthException e) {
            if (e.kind() == ErrorKind.NOT_FOUND) {
                throw BerthException.failedPrecondition("image %s cannot be unpacked: %s; pull it again", image.id(),
                        e.getMessage());
            }
            throw e;
        }
    }

    private static boolean committed(Snapshotter snapshots, String name) {
        try {
            return snapshots.stat(name).kind() == Kind.COMMITTED;
        } catch (BerthException e) {
            if (e.kind() == ErrorKind.NOT_FOUND) {
                return false;
            }
            throw e;
        }
    }

    /** The chain id of the top layer, which names its snapshot in every snapshotter; "" for an image without layers. */
    private static String topChain(List<Digest> diffIds) {
        List<String> chain = Unpacker.chainIds(diffIds);
        return chain.isEmpty() ? "" : chain.get(chain.size() - 1);
    }

    public ListImagesResponse list(ListImagesRequest r) {
        ListImagesResponse.Builder out = ListImagesResponse.newBuilder();
        String filter = r.hasFilter() ? r.getFilter().getImage().getImage() : "";
        if (!filter.isEmpty()) {
            resolve(filter).ifPresent(i -> out.addImages(toCri(i)));
            return out.build();
        }
        store.list().forEach(i -> out.addImages(toCri(i)));
        return out.build();
    }

    public ImageStatusResponse status(ImageStatusRequest r) {
        String name = required(r.getImage(), "image.image");
        Optional<ImageRecord> found = resolve(name);
        if (found.isEmpty()) {
            return ImageStatusResponse.getDefaultInstance(); // the CRI's "not present": no image, no error
        }
        ImageStatusResponse.Builder out = ImageStatusResponse.newBuilder().setImage(toCri(found.get()));
        if (r.getVerbose()) {
            out.putInfo("info", verboseInfo(found.get()));
        }
        return out.build();
    }

    /**
     * Removes a name (a tag: other tags stay) or the whole image (by id or digest); idempotent. Removing an image
     * asks for a garbage collection, which frees its blobs and snapshots in the background.
     */
    public RemoveImageResponse remove(RemoveImageRequest r) {
        String name = required(r.getImage(), "image.image");
        boolean removed;
        gcLock.readLock().lock();
        try {
            removed = removeRecord(name);
        } finally {
            gcLock.readLock().unlock();
        }
        if (removed) {
            gcScheduler.request();
        }
        return RemoveImageResponse.getDefaultInstance();
    }

    /** @return whether a whole image record went */
    private boolean removeRecord(String name) {
        Optional<ImageRecord> found = resolve(name);
        if (found.isEmpty()) {
            return false;
        }
        ImageRecord image = found.get();
        String tag = asTag(name);
        if (tag != null && image.repoTags().contains(tag) && image.repoTags().size() > 1) {
            List<String> tags = new ArrayList<>(image.repoTags());
            tags.remove(tag);
            store.rename(image.id(), tags, image.repoDigests());
            return false;
        }
        store.remove(image.id());
        releaseRoot(image.target());
        return true;
    }

    /** Runs a garbage collection now, on the calling thread (which must not be inside a pull or removal). */
    GarbageCollector.Result collectGarbage() {
        return gc.collect();
    }

    private void shared(Runnable action) {
        gcLock.readLock().lock();
        try {
            action.run();
        } finally {
            gcLock.readLock().unlock();
        }
    }

    /**
     * One entry per snapshotter in use, as containerd reports: first the default snapshotter's committed snapshots
     * together with the content store's blobs, on berth's root (the kubelet reads the first entry); then each other
     * snapshotter a runtime handler uses, on its plugin's root directory.
     */
    public ImageFsInfoResponse fsInfo() {
        ImageFsInfoResponse.Builder out = ImageFsInfoResponse.newBuilder();
        List<String> ids = snapshotters.inUse();
        long now = System.currentTimeMillis() * 1_000_000L;
        AtomicLong inodes = new AtomicLong();
        AtomicLong bytes = new AtomicLong(content.usage());
        content.walk(Filter.all(), i -> inodes.incrementAndGet());
        if (ids.isEmpty() || !ids.get(0).equals(snapshotters.defaultId())) {
            out.addImageFilesystems(usage(now, root, bytes.get(), inodes.get())); // the default is not running
        }
        for (String id : ids) {
            boolean first = id.equals(snapshotters.defaultId());
            AtomicLong b = first ? bytes : new AtomicLong();
            AtomicLong n = first ? inodes : new AtomicLong();
            committedUsage(snapshotters.running().get(id), b, n);
            out.addImageFilesystems(usage(now, first ? root : root.resolve(dev.berth.core.plugin.PluginTypes.SNAPSHOTTER
                    + "." + id), b.get(), n.get()));
        }
        return out.build();
    }

    private static void committedUsage(Snapshotter snapshots, AtomicLong bytes, AtomicLong inodes) {
        snapshots.walk(i -> i.kind() == Kind.COMMITTED, i -> {
            Usage u;
            try {
                u = snapshots.usage(i.name());
            } catch (BerthException e) {
                if (e.kind() == ErrorKind.NOT_FOUND) {
                    return; // collected while we walked
                }
                throw e;
            }
            bytes.addAndGet(u.size());
            inodes.addAndGet(u.inodes());
        });
    }

    private static FilesystemUsage usage(long timestamp, Path mountpoint, long bytes, long inodes) {
        return FilesystemUsage.newBuilder()
                .setTimestamp(timestamp)
                .setFsId(FilesystemIdentifier.newBuilder().setMountpoint(mountpoint.toString()))
                .setUsedBytes(UInt64Value.newBuilder().setValue(bytes))
                .setInodesUsed(UInt64Value.newBuilder().setValue(inodes))
                .build();
    }

    /** By id (with or without {@code sha256:}), by tag, or by repo digest. */
    public Optional<ImageRecord> resolve(String name) {
        if (name.startsWith("sha256:")) {
            return store.get(name);
        }
        if (ImageReference.looksLikeId(name)) {
            return store.get("sha256:" + name);
        }
        return store.byName(ImageReference.parse(name).toString());
    }

    private static String asTag(String name) {
        if (name.startsWith("sha256:") || ImageReference.looksLikeId(name)) {
            return null;
        }
        ImageReference ref = ImageReference.parse(name);
        return ref.digest() == null ? ref.toString() : null;
    }

    /** The target stops being a GC root unless another image still resolves to it. */
    private void releaseRoot(String target) {
        if (store.list().stream().noneMatch(i -> i.target().equals(target))) {
            try {
                content.update(Digest.parse(target), Map.of(ContentLabels.GC_ROOT, ""));
            } catch (BerthException e) {
                if (e.kind() != ErrorKind.NOT_FOUND) {
                    throw e;
                }
            }
        }
    }

    private Image toCri(ImageRecord i) {
        Image.Builder b = Image.newBuilder()
                .setId(i.id())
                .addAllRepoTags(i.repoTags())
                .addAllRepoDigests(i.repoDigests())
                .setSize(i.size())
                .setSpec(ImageSpec.newBuilder().setImage(i.id()))
                .setPinned(i.repoTags().contains(sandboxImage));
        String user = i.user().split(":", 2)[0];
        if (!user.isEmpty()) {
            if (user.chars().allMatch(Character::isDigit)) {
                b.setUid(Int64Value.newBuilder().setValue(Long.parseLong(user)));
            } else {
                b.setUsername(user);
            }
        }
        return b.build();
    }

    /** The image's config (entrypoint, env, user, ...), read from the content store. */
    public ImageConfig config(ImageRecord i) {
        return ImageConfig.parse(configBytes(i));
    }

    private byte[] configBytes(ImageRecord i) {
        return blob(i.id());
    }

    private byte[] blob(String digest) {
        try (var reader = content.openReader(Digest.parse(digest))) {
            return reader.readAll();
        } catch (IOException e) {
            throw new BerthException(ErrorKind.INTERNAL, "cannot read blob " + digest + ": " + e.getMessage(), e);
        }
    }

    private String verboseInfo(ImageRecord i) {
        String config = new String(configBytes(i), StandardCharsets.UTF_8);
        return "{\"id\":" + Json.quote(i.id()) + ",\"target\":" + Json.quote(i.target()) + ",\"manifest\":"
                + Json.quote(i.manifest()) + ",\"imageSpec\":" + config + "}";
    }

    private static Credentials credentials(AuthConfig a) {
        return new Credentials(a.getUsername(), a.getPassword(), a.getAuth(), a.getIdentityToken(), a.getRegistryToken());
    }

    private static String required(ImageSpec spec, String field) {
        if (spec.getImage().isEmpty()) {
            throw BerthException.invalidArgument("%s is required", field);
        }
        return spec.getImage();
    }

    @Override
    public void close() {
        gcScheduler.close();
        puller.close();
        store.close();
    }
}
