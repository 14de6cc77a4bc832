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
import dev.berth.cri.registry.ImageConfig;
import dev.berth.cri.registry.ImagePuller;
import dev.berth.cri.registry.ImageReference;
import dev.berth.cri.registry.Platform;
import dev.berth.cri.registry.PulledImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The CRI ImageService's behaviour: pulls through the registry client into the content store, and keeps the
 * image records (names → config digest) that the CRI calls images.
 */
public final class Images implements AutoCloseable {
    private final ContentStore content;
    private final ImagePuller puller;
    private final ImageStore store;
    private final String sandboxImage;
    private final Path fsMountpoint;
    private final Unpacker unpacker;
    private final Snapshotter snapshots;
    /** Pulls (recording) and removals share it; a garbage collection run holds it alone. */
    private final ReadWriteLock gcLock = new ReentrantReadWriteLock(true);
    private final GarbageCollector gc;
    private final GcScheduler gcScheduler;

    /**
     * @param snapshots    where layers are unpacked, or null to keep pulled images in the content store only
     * @param applier      unpacks layers into {@code snapshots}; null when {@code snapshots} is
     * @param sandboxImage the configured pause image (reported as pinned)
     * @param fsMountpoint the directory whose filesystem holds image content (reported by ImageFsInfo)
     * @param gcInterval   time between scheduled garbage collections; zero for none (RemoveImage still triggers one)
     * @param metrics      where garbage collection runs are counted
     */
    public Images(ContentStore content, ImagePuller puller, Snapshotter snapshots, String snapshotterId, Applier applier,
                  Path storeFile, String sandboxImage, Path fsMountpoint, Duration gcInterval, Metrics metrics) {
        this.content = content;
        this.snapshots = snapshots;
        this.unpacker = snapshots == null || applier == null ? null : new Unpacker(content, snapshots, snapshotterId, applier);
        this.puller = puller;
        this.store = new ImageStore(storeFile);
        this.sandboxImage = normalise(sandboxImage);
        this.fsMountpoint = fsMountpoint;
        this.gc = new GarbageCollector(content, snapshots, snapshotterId, store::list, gcLock, Clock.systemUTC());
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

    public PullImageResponse pull(PullImageRequest r) {
        String name = required(r.getImage(), "image.image");
        ImageReference ref = ImageReference.parse(name);
        List<String> tags = ref.digest() == null ? List.of(ref.toString()) : List.of();
        PulledImage p = puller.pull(ref, credentials(r.getAuth()), Platform.host(), pulled -> shared(() -> record(pulled, tags)));
        String id = p.config().toString();
        return PullImageResponse.newBuilder().setImageRef(id).build();
    }

    /** Unpacks and records a pulled image; runs while the pull's lease still protects its blobs. */
    private void record(PulledImage p, List<String> tags) {
        String snapshot = unpacker == null ? "" : unpacker.unpack(p);
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

    /** Bytes and inodes of the content store's blobs plus the committed snapshots, on the berth root's filesystem. */
    public ImageFsInfoResponse fsInfo() {
        AtomicLong inodes = new AtomicLong();
        AtomicLong bytes = new AtomicLong(content.usage());
        content.walk(Filter.all(), i -> inodes.incrementAndGet());
        if (snapshots != null) {
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
        FilesystemUsage usage = FilesystemUsage.newBuilder()
                .setTimestamp(System.currentTimeMillis() * 1_000_000L)
                .setFsId(FilesystemIdentifier.newBuilder().setMountpoint(fsMountpoint.toString()))
                .setUsedBytes(UInt64Value.newBuilder().setValue(bytes.get()))
                .setInodesUsed(UInt64Value.newBuilder().setValue(inodes.get()))
                .build();
        return ImageFsInfoResponse.newBuilder().addImageFilesystems(usage).build();
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
        try (var reader = content.openReader(Digest.parse(i.id()))) {
            return reader.readAll();
        } catch (IOException e) {
            throw new BerthException(ErrorKind.INTERNAL, "cannot read config of image " + i.id() + ": " + e.getMessage(), e);
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
