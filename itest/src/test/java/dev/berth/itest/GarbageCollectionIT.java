package dev.berth.itest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.api.cri.v1.ImageFsInfoRequest;
import dev.berth.api.cri.v1.ImageSpec;
import dev.berth.api.cri.v1.ImageStatusRequest;
import dev.berth.api.cri.v1.ListImagesRequest;
import dev.berth.api.cri.v1.PullImageRequest;
import dev.berth.api.cri.v1.RemoveImageRequest;
import dev.berth.itest.registry.LocalRegistry;
import dev.berth.itest.registry.Registries;
import dev.berth.itest.registry.TestImages;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * RemoveImage sets off garbage collection: exactly the blobs and overlay snapshots no remaining image references
 * disappear from disk (shared base layers stay while an image uses them), ImageFsInfo follows, and a later pull
 * fetches and unpacks the image again.
 */
@ExtendWith({Daemons.class, Registries.Extension.class})
class GarbageCollectionIT {
    private static final Duration GC_WAIT = Duration.ofSeconds(30);

    @Test
    void removeImageCollectsExactlyWhatNoOtherImageUses(Daemons.Session s, Registries r) throws Exception {
        LocalRegistry reg = r.start();
        TestImages.Pushed busybox = reg.push(r.build(TestImages.busybox(), "1"), "busybox:1");
        TestImages.Pushed other = reg.push(r.build(TestImages.busybox().marker("other"), "1"), "other:1");
        TestConfig c = s.config()
                .append("[plugins.\"io.berth.grpc.v1.cri\"]\ngc_interval = \"1h\"\n")
                .append("[plugins.\"io.berth.grpc.v1.cri\".registry]\nretries = 1\n");
        Berthd d = s.start(c);
        Path blobs = c.dir().resolve("root/io.berth.content.v1.local/blobs/sha256");
        Path snapshots = c.dir().resolve("root/io.berth.snapshotter.v1.overlayfs/snapshots");

        d.images().pullImage(pull(busybox.reference()));
        Set<String> busyboxDirs = snapshotDirs(snapshots);
        d.images().pullImage(pull(other.reference()));
        Set<String> allDirs = snapshotDirs(snapshots);

        Set<String> busyboxBlobs = blobsOf(busybox);
        Set<String> otherBlobs = blobsOf(other);
        Set<String> sharedBlobs = intersection(busyboxBlobs, otherBlobs);
        assertThat(sharedBlobs).as("the rootfs and hello.txt layers").hasSize(2);
        assertThat(blobFiles(blobs)).isEqualTo(union(busyboxBlobs, otherBlobs));
        assertThat(busyboxDirs).hasSize(3);
        assertThat(allDirs).hasSize(4).containsAll(busyboxDirs);
        String busyboxTop = markerDir(snapshots, busyboxDirs, "berth-itest");
        String otherTop = markerDir(snapshots, allDirs, "other");
        long usedWithBoth = usedBytes(d);

        d.images().removeImage(remove(busybox.reference()));

        Set<String> otherDirs = minus(allDirs, Set.of(busyboxTop));
        awaitEqual("blobs after removing busybox", () -> blobFiles(blobs), otherBlobs);
        awaitEqual("snapshot dirs after removing busybox", () -> snapshotDirs(snapshots), otherDirs);
        assertThat(otherDirs).contains(otherTop);
        assertThat(snapshots.resolve(otherTop).resolve("fs/etc/berth-test")).hasContent("other\n");
        assertThat(status(d, other.reference())).as("the other image is untouched").isTrue();
        long usedWithOther = usedBytes(d);
        assertThat(usedWithOther).isPositive().isLessThan(usedWithBoth);

        d.images().removeImage(remove(other.configDigest()));

        awaitEqual("blobs after removing both", () -> blobFiles(blobs), Set.of());
        awaitEqual("snapshot dirs after removing both", () -> snapshotDirs(snapshots), Set.of());
        assertThat(d.images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList()).isEmpty();
        assertThat(usedBytes(d)).as("nothing left to count").isZero();

        String id = d.images().pullImage(pull(busybox.reference())).getImageRef();

        assertThat(id).isEqualTo(busybox.configDigest());
        assertThat(status(d, busybox.reference())).isTrue();
        assertThat(blobFiles(blobs)).isEqualTo(busyboxBlobs);
        Set<String> again = snapshotDirs(snapshots);
        assertThat(again).hasSize(3).doesNotContainAnyElementsOf(allDirs);
        markerDir(snapshots, again, "berth-itest");
        assertThat(again.stream().map(n -> snapshots.resolve(n).resolve("fs/bin/busybox")).filter(Files::isRegularFile))
                .as("the base layer is unpacked again").hasSize(1);
        assertThat(usedBytes(d)).isPositive();
        assertThat(d.log()).contains("gc: removed");
    }

    /** Manifest, config and layers of the host image, as blob file names. */
    private static Set<String> blobsOf(TestImages.Pushed p) {
        TestImages.PlatformImage img = p.layout().host();
        Set<String> out = new HashSet<>();
        out.add(hex(img.manifest().digest()));
        out.add(hex(img.config().digest()));
        img.layers().forEach(l -> out.add(hex(l.digest())));
        assertThat(p.layout().isIndex()).isFalse();
        return out;
    }

    private static String hex(String digest) {
        return digest.substring("sha256:".length());
    }

    private static Set<String> blobFiles(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return Set.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    /** The numbered snapshot directories (ids), leaving out any being deleted. */
    private static Set<String> snapshotDirs(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return Set.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.matches("\\d+"))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    /** The one snapshot among {@code dirs} whose /etc/berth-test holds {@code marker}: an image's top layer. */
    private static String markerDir(Path snapshots, Set<String> dirs, String marker) throws IOException {
        Set<String> found = new TreeSet<>();
        for (String n : dirs) {
            Path f = snapshots.resolve(n).resolve("fs/etc/berth-test");
            if (Files.isRegularFile(f) && Files.readString(f, StandardCharsets.UTF_8).equals(marker + "\n")) {
                found.add(n);
            }
        }
        assertThat(found).as("top layer with marker %s", marker).hasSize(1);
        return found.iterator().next();
    }

    private interface IoSupplier<T> {
        T get() throws IOException;
    }

    /** Polls until {@code actual} equals {@code expected}: collection runs in the background after RemoveImage. */
    private static <T> void awaitEqual(String what, IoSupplier<T> actual, T expected) throws Exception {
        long deadline = System.nanoTime() + GC_WAIT.toNanos();
        T last = actual.get();
        while (!last.equals(expected) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            last = actual.get();
        }
        assertThat(last).as(what).isEqualTo(expected);
    }

    private static long usedBytes(Berthd d) {
        return d.images().imageFsInfo(ImageFsInfoRequest.getDefaultInstance()).getImageFilesystems(0).getUsedBytes().getValue();
    }

    private static boolean status(Berthd d, String name) {
        return d.images().imageStatus(ImageStatusRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(name)).build())
                .hasImage();
    }

    private static PullImageRequest pull(String ref) {
        return PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(ref)).build();
    }

    private static RemoveImageRequest remove(String name) {
        return RemoveImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(name)).build();
    }

    private static <T> Set<T> intersection(Set<T> a, Set<T> b) {
        Set<T> out = new HashSet<>(a);
        out.retainAll(b);
        return out;
    }

    private static <T> Set<T> union(Set<T> a, Set<T> b) {
        Set<T> out = new TreeSet<>(a);
        out.addAll(b);
        return out;
    }

    private static <T> Set<T> minus(Set<T> a, Set<T> b) {
        Set<T> out = new TreeSet<>(a);
        out.removeAll(b);
        return out;
    }
}
