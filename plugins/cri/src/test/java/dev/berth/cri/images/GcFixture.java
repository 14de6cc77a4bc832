package dev.berth.cri.images;

import dev.berth.core.content.ContentLabels;
import dev.berth.core.content.Digest;
import dev.berth.core.snapshot.SnapshotLabels;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Fake stores filled the way a pull fills the real ones: layer blobs, a config naming its top snapshot, a manifest
 * naming config and layers, the target labelled as root, one committed snapshot per chain, and an image record.
 */
final class GcFixture {
    static final String SNAPSHOTTER = "overlayfs";
    /** A second snapshotter some runtime handler uses. */
    static final String OTHER = "native";
    static final long LAYER_SIZE = 100;
    static final long CONFIG_SIZE = 10;
    static final long MANIFEST_SIZE = 5;

    final TestClock clock = new TestClock();
    final FakeContentStore content = new FakeContentStore(clock);
    final FakeSnapshotter snapshots = new FakeSnapshotter(clock);
    final FakeSnapshotter other = new FakeSnapshotter(clock);
    final List<ImageRecord> records = new CopyOnWriteArrayList<>();
    final ReentrantReadWriteLock lock = new ReentrantReadWriteLock(true);

    /** What one pulled image consists of. */
    record Pulled(ImageRecord record, Digest target, Digest manifest, Digest config, List<Digest> layers, List<String> chain) {
        String top() {
            return chain.get(chain.size() - 1);
        }
    }

    GarbageCollector collector() {
        return new GarbageCollector(content, snapshotters(), () -> List.copyOf(records), lock, clock);
    }

    Map<String, dev.berth.core.snapshot.Snapshotter> snapshotters() {
        return Map.of(SNAPSHOTTER, snapshots, OTHER, other);
    }

    /** Unpacks {@code image} into the other snapshotter too, as CreateContainer in a pod of its handler does. */
    void unpackIntoOther(Pulled image) {
        String parent = null;
        for (String chain : image.chain()) {
            if (!other.names().contains(chain)) {
                other.commit(chain, parent);
            }
            parent = chain;
        }
        content.update(image.config(), Map.of(SnapshotLabels.gcRefSnapshot(OTHER), image.top()));
    }

    /** "Pulls" image {@code name} with these layers (equal layer names are the same blob, so shared). */
    Pulled pull(String name, String... layerNames) {
        List<Digest> layers = new ArrayList<>();
        List<String> chain = new ArrayList<>();
        String parent = null;
        String chainName = "";
        for (String l : layerNames) {
            layers.add(content.add("layer " + l, LAYER_SIZE, Map.of()));
            chainName = chainName.isEmpty() ? "chain:" + l : chainName + "/" + l;
            if (!snapshots.names().contains(chainName)) {
                snapshots.commit(chainName, parent);
            }
            chain.add(chainName);
            parent = chainName;
        }
        Digest config = content.add("config " + name, CONFIG_SIZE, Map.of(SnapshotLabels.gcRefSnapshot(SNAPSHOTTER), chainName));
        Map<String, String> refs = new HashMap<>();
        refs.put(ContentLabels.gcRefContent("config"), config.toString());
        for (int i = 0; i < layers.size(); i++) {
            refs.put(ContentLabels.gcRefContent("l." + i), layers.get(i).toString());
        }
        Digest manifest = content.add("manifest " + name, MANIFEST_SIZE, refs);
        content.update(manifest, Map.of(ContentLabels.GC_ROOT, "2024-01-01T00:00:00Z"));
        ImageRecord record = new ImageRecord(config.toString(), List.of("example.com/" + name + ":1"),
                List.of("example.com/" + name + "@" + manifest), manifest.toString(), manifest.toString(),
                CONFIG_SIZE + LAYER_SIZE * layers.size(), "", 1, chainName);
        records.add(record);
        return new Pulled(record, manifest, manifest, config, layers, chain);
    }

    /** What RemoveImage does to the stores: the record goes and its target stops being a root. */
    void remove(Pulled image) {
        records.remove(image.record());
        content.update(image.target(), Map.of(ContentLabels.GC_ROOT, ""));
    }

    /** A clock tests move forward. */
    static final class TestClock extends Clock {
        private volatile Instant now = Instant.parse("2024-06-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
