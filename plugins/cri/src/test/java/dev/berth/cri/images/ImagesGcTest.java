package dev.berth.cri.images;

import static org.assertj.core.api.Assertions.assertThat;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.berth.api.cri.v1.FilesystemUsage;
import dev.berth.api.cri.v1.ImageSpec;
import dev.berth.api.cri.v1.PullImageRequest;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.cri.sandboxes.RuntimeHandlers;
import dev.berth.cri.snapshots.Snapshotters;
import java.util.List;
import dev.berth.api.cri.v1.RemoveImageRequest;
import dev.berth.core.content.Digest;
import dev.berth.core.metrics.Metrics;
import dev.berth.cri.registry.ImagePuller;
import dev.berth.cri.registry.RegistryConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RemoveImage triggers a collection in the background, and ImageFsInfo reports what is left. */
class ImagesGcTest {
    @TempDir
    Path dir;

    private final GcFixture f = new GcFixture();
    private final Metrics metrics = new Metrics();

    @Test
    void removeImageCollectsItsUniqueContentInTheBackground() throws Exception {
        GcFixture.Pulled a = f.pull("a", "base", "a-top");
        GcFixture.Pulled b = f.pull("b", "base", "b-top");
        try (ImageStore store = new ImageStore(dir.resolve("images.db"))) {
            f.records.forEach(store::put);
        }
        Set<Digest> blobsBefore = f.content.digests();
        try (Images images = images(Duration.ZERO)) {
            long usedBefore = usedBytes(images);

            images.remove(remove(b.record().repoTags().get(0)));

            Set<Digest> expected = new HashSet<>(blobsBefore);
            expected.removeAll(Set.of(b.manifest(), b.config(), b.layers().get(1)));
            GcSchedulerTest.waitFor(() -> f.content.digests().equals(expected));
            GcSchedulerTest.waitFor(() -> !f.snapshots.names().contains(b.top()));
            assertThat(f.snapshots.names()).containsExactlyInAnyOrderElementsOf(a.chain());
            GcSchedulerTest.waitFor(() -> metrics.writeText().contains("berth_image_gc_last_removed{kind=\"blob\"} 3\n"));
            assertThat(metrics.writeText()).contains("berth_image_gc_runs_total{result=\"ok\"} 2\n", // at start, after removal
                    "berth_image_gc_last_removed{kind=\"snapshot\"} 1\n", "berth_image_gc_removed_bytes_total{kind=\"blob\"} "
                            + (GcFixture.MANIFEST_SIZE + GcFixture.CONFIG_SIZE + GcFixture.LAYER_SIZE) + "\n");
            assertThat(usedBytes(images)).isEqualTo(usedBefore - GcFixture.MANIFEST_SIZE - GcFixture.CONFIG_SIZE
                    - GcFixture.LAYER_SIZE - FakeSnapshotter.SIZE);

            images.remove(remove(a.record().id()));

            GcSchedulerTest.waitFor(() -> f.content.digests().isEmpty() && f.snapshots.names().isEmpty());
            assertThat(usedBytes(images)).isZero();
        }
    }

    @Test
    void removingOneOfTwoTagsKeepsEverything() throws Exception {
        GcFixture.Pulled a = f.pull("a", "base");
        try (ImageStore store = new ImageStore(dir.resolve("images.db"))) {
            store.put(a.record().plus(java.util.List.of("example.com/a:2"), java.util.List.of()));
        }
        Set<Digest> before = f.content.digests();
        try (Images images = images(Duration.ZERO)) {
            images.remove(remove("example.com/a:2"));
            images.collectGarbage();
            assertThat(f.content.digests()).isEqualTo(before);
            assertThat(f.snapshots.names()).containsExactlyElementsOf(a.chain());
        }
    }

    @Test
    void imageFsInfoHasOneEntryPerSnapshotterInUseTheDefaultFirstWithTheContent() throws Exception {
        GcFixture.Pulled a = f.pull("a", "base", "a-top");
        f.unpackIntoOther(a);
        try (Images images = images(Duration.ZERO)) {
            List<FilesystemUsage> fs = images.fsInfo().getImageFilesystemsList();

            assertThat(fs).extracting(u -> u.getFsId().getMountpoint())
                    .containsExactly(dir.toString(), dir.resolve("io.berth.snapshotter.v1.native").toString());
            assertThat(fs.get(0).getUsedBytes().getValue()).isEqualTo(f.content.usage() + 2 * FakeSnapshotter.SIZE);
            assertThat(fs.get(1).getUsedBytes().getValue()).isEqualTo(2 * FakeSnapshotter.SIZE);
            assertThat(fs.get(1).getInodesUsed().getValue()).isEqualTo(2);
        }
    }

    @Test
    void removeImageCollectsItFromEverySnapshotter() throws Exception {
        GcFixture.Pulled a = f.pull("a", "base", "a-top");
        f.unpackIntoOther(a);
        try (ImageStore store = new ImageStore(dir.resolve("images.db"))) {
            store.put(a.record());
        }
        try (Images images = images(Duration.ZERO)) {
            images.collectGarbage();
            assertThat(f.other.names()).containsExactlyInAnyOrderElementsOf(a.chain());

            images.remove(remove(a.record().id()));

            GcSchedulerTest.waitFor(() -> f.snapshots.names().isEmpty() && f.other.names().isEmpty());
            assertThat(f.content.digests()).isEmpty();
        }
    }

    @Test
    void pullForAHandlerWhoseSnapshotterIsNotRunningFailsBeforeFetchingNamingTheKey() throws Exception {
        try (Images images = new Images(f.content, new ImagePuller(f.content, RegistryConfig.defaults()),
                Snapshotters.from(CONFIG.withFallback(ConfigFactory.parseString("runtimes { broken { snapshotter = zfs } }")),
                        handlers(CONFIG.withFallback(ConfigFactory.parseString("runtimes { broken { snapshotter = zfs } }"))),
                        f.snapshotters(), List.of()),
                null, dir.resolve("images.db"), "registry.k8s.io/pause:3.10", dir, Duration.ZERO, metrics)) {
            assertThatThrownBy(() -> images.pull(pull("example.com/a:1", "broken")))
                    .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION))
                    .hasMessageContaining("runtime handler \"broken\": runtimes.broken.snapshotter is \"zfs\", but no plugin"
                            + " io.berth.snapshotter.v1.zfs is installed");
            assertThatThrownBy(() -> images.pull(pull("example.com/a:1", "nope")))
                    .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
                    .hasMessageStartingWith("image.runtime_handler: unknown runtime handler \"nope\"");
            // the handler's snapshotter runs but nothing can unpack into it
            assertThatThrownBy(() -> images.pull(pull("example.com/a:1", "native")))
                    .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION))
                    .hasMessageContaining("no layer applier");
        }
    }

    private static final Config CONFIG = ConfigFactory.parseString(
            "snapshotter = overlayfs, default_runtime_name = runc, runtimes { native { snapshotter = native } }");

    private static RuntimeHandlers handlers(Config c) {
        return RuntimeHandlers.from(c);
    }

    private Snapshotters snapshotters() {
        return Snapshotters.from(CONFIG, handlers(CONFIG), f.snapshotters(), List.of());
    }

    private static PullImageRequest pull(String ref, String handler) {
        return PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(ref).setRuntimeHandler(handler)).build();
    }

    private Images images(Duration gcInterval) {
        return new Images(f.content, new ImagePuller(f.content, RegistryConfig.defaults()), snapshotters(),
                null, dir.resolve("images.db"), "registry.k8s.io/pause:3.10", dir, gcInterval, metrics);
    }

    private static long usedBytes(Images images) {
        return images.fsInfo().getImageFilesystems(0).getUsedBytes().getValue();
    }

    private static RemoveImageRequest remove(String name) {
        return RemoveImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(name)).build();
    }
}
