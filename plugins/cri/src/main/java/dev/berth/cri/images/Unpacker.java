package dev.berth.cri.images;

import dev.berth.core.content.ContentLabels;
import dev.berth.core.content.ContentStore;
import dev.berth.core.content.Digest;
import dev.berth.core.content.ReaderAt;
import dev.berth.core.diff.Applier;
import dev.berth.core.diff.ApplyOptions;
import dev.berth.core.diff.ApplyResult;
import dev.berth.core.diff.DiffIds;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.snapshot.Kind;
import dev.berth.core.snapshot.SnapshotLabels;
import dev.berth.core.snapshot.Snapshotter;
import dev.berth.cri.registry.Descriptor;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Unpacks an image's layers into one snapshotter's committed snapshots named by their OCI chain ids, base first, at
 * a pull or later from the content store. A layer whose chain is already committed (another image shares it, or
 * another unpack of this image got there first) is reused, never unpacked again; unpacks of images sharing layers
 * wait for each other per chain. A layer is applied into a fresh active snapshot under a
 * temporary key and committed under its chain id only after its diff id matched the image config, so a crash
 * or a bad layer never leaves a committed snapshot with half a layer.
 */
final class Unpacker {
    private static final Logger LOG = LoggerFactory.getLogger(Unpacker.class);
    private final ContentStore content;
    private final Snapshotter snapshots;
    private final String snapshotterId;
    private final Applier applier;
    private final ApplyOptions options;
    private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();
    private static final String EXTRACT_PREFIX = "extract-";

    Unpacker(ContentStore content, Snapshotter snapshots, String snapshotterId, Applier applier) {
        this.content = content;
        this.snapshots = snapshots;
        this.snapshotterId = snapshotterId;
        this.applier = applier;
        // overlayfs reads whiteouts as 0:0 devices and opaque xattrs; other snapshotters get the plain tree
        this.options = snapshotterId.equals("overlayfs") ? ApplyOptions.OVERLAY : ApplyOptions.NATIVE;
        removeLeftovers();
    }

    /**
     * Active snapshots of unpacks that a crash interrupted hold half a layer; nothing unpacks before this object
     * exists, so every one of them is a leftover.
     */
    private void removeLeftovers() {
        List<String> leftovers = new ArrayList<>();
        snapshots.walk(i -> i.kind() == Kind.ACTIVE && i.name().startsWith(EXTRACT_PREFIX), i -> leftovers.add(i.name()));
        for (String key : leftovers) {
            LOG.info("removing the snapshot of an interrupted unpack: {}", key);
            removeQuietly(key);
        }
    }

    /** What an unpack needs of an image, from a pull or from the content store. */
    record Layers(String image, Digest config, List<Descriptor> layers, List<Digest> diffIds) {
        Layers {
            layers = List.copyOf(layers);
            diffIds = List.copyOf(diffIds);
        }
    }

    /** @return the chain id of the top layer: the parent of every container's rootfs from this image */
    String unpack(Layers image) {
        List<Digest> diffIds = image.diffIds();
        List<Descriptor> layers = image.layers();
        if (diffIds.size() != layers.size()) {
            throw BerthException.invalidArgument("image %s has %d layers but its config lists %d diff ids",
                    image.image(), layers.size(), diffIds.size());
        }
        List<String> chain = chainIds(diffIds);
        for (int i = 0; i < layers.size(); i++) {
            String parent = i == 0 ? null : chain.get(i - 1);
            ReentrantLock lock = locks.computeIfAbsent(chain.get(i), k -> new ReentrantLock());
            lock.lock();
            try {
                if (!committed(chain.get(i))) {
                    apply(layers.get(i), diffIds.get(i), chain.get(i), parent);
                }
            } finally {
                lock.unlock();
            }
            content.update(layers.get(i).digest(), Map.of(ContentLabels.UNCOMPRESSED, diffIds.get(i).toString()));
        }
        String top = chain.get(chain.size() - 1);
        // roots the snapshots in this snapshotter while the config is alive; each snapshotter has its own label
        content.update(image.config(), Map.of(SnapshotLabels.gcRefSnapshot(snapshotterId), top));
        return top;
    }

    private void apply(Descriptor layer, Digest diffId, String chainId, String parent) {
        String key = EXTRACT_PREFIX + UUID.randomUUID() + " " + chainId;
        snapshots.prepare(key, parent, Map.of(SnapshotLabels.TARGET_REF, chainId));
        try (ReaderAt blob = content.openReader(layer.digest())) {
            ApplyResult result = applier.apply(blob.inputStream(0), layer.mediaType(), snapshots.activeDir(key), options);
            DiffIds.verify(layer.digest().toString(), diffId, result);
            snapshots.commit(chainId, key, Map.of());
        } catch (RuntimeException e) {
            try {
                snapshots.remove(key);
            } catch (RuntimeException cleanup) { // the unpack's failure is the one to report
                LOG.warn("removing the snapshot {} of a failed unpack failed; start-up removes it: {}", key, cleanup.toString());
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    private boolean committed(String chainId) {
        try {
            return snapshots.stat(chainId).kind() == Kind.COMMITTED;
        } catch (BerthException e) {
            if (e.kind() == ErrorKind.NOT_FOUND) {
                return false;
            }
            throw e;
        }
    }

    private void removeQuietly(String key) {
        try {
            snapshots.remove(key);
        } catch (BerthException e) {
            // already gone, or never made: nothing to clean
        }
    }

    /** OCI chain ids: the first is the first diff id; each next is sha256 of "parent-chain diff-id". */
    static List<String> chainIds(List<Digest> diffIds) {
        List<String> out = new ArrayList<>();
        String previous = null;
        for (Digest d : diffIds) {
            previous = previous == null ? d.toString()
                    : Digest.sha256((previous + " " + d).getBytes(StandardCharsets.UTF_8)).toString();
            out.add(previous);
        }
        return out;
    }
}
