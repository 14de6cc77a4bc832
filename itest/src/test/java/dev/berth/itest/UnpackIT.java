package dev.berth.itest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.api.cri.v1.ImageSpec;
import dev.berth.api.cri.v1.PullImageRequest;
import dev.berth.itest.registry.LocalRegistry;
import dev.berth.itest.registry.Registries;
import dev.berth.itest.registry.TestImages;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * PullImage unpacks every layer into a committed overlayfs snapshot before it returns: checked on the files the
 * snapshotter wrote, and on a real overlay mount of the chain (whiteouts hide, lower files show).
 */
@ExtendWith({Daemons.class, Registries.Extension.class})
class UnpackIT {
    @Test
    void pullUnpacksEveryLayerAndSharedLayersOnce(Daemons.Session s, Registries r) throws Exception {
        LocalRegistry reg = r.start();
        TestImages.Pushed first = reg.push(r.build(TestImages.busybox().extraLayer(".wh.hello.txt", ""), "1"), "busybox:1");
        TestImages.Pushed second = reg.push(r.build(TestImages.busybox().marker("second"), "2"), "busybox:2");
        TestConfig c = s.config();
        Berthd d = s.start(c);
        Path snapshots = c.dir().resolve("root/io.berth.snapshotter.v1.overlayfs/snapshots");

        d.images().pullImage(pull(first.reference()));

        List<Path> layers = layerDirs(snapshots);
        assertThat(layers).as("one committed snapshot per layer").hasSize(4);
        Path base = layers.get(0);
        assertThat(Files.size(base.resolve("bin/busybox"))).isEqualTo(Files.size(TestImages.BUSYBOX));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(base.resolve("bin/busybox"), LinkOption.NOFOLLOW_LINKS)))
                .isEqualTo("rwxr-xr-x");
        assertThat(Files.isSymbolicLink(base.resolve("bin/sh"))).isTrue();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(base.resolve("tmp")))).isEqualTo("rwxrwxrwx");
        assertThat(Files.getAttribute(base.resolve("home/app"), "unix:uid")).isEqualTo(1000);
        Path whiteout = layers.get(2).resolve("hello.txt"); // layers: rootfs, hello.txt, the whiteout, /etc/berth-test
        assertThat(Files.getAttribute(whiteout, "unix:mode", LinkOption.NOFOLLOW_LINKS)).as("0:0 char device")
                .satisfies(m -> assertThat((Integer) m & 0170000).isEqualTo(0020000));
        assertThat(Files.getAttribute(whiteout, "unix:rdev", LinkOption.NOFOLLOW_LINKS)).isEqualTo(0L);

        Path merged = Files.createDirectories(c.dir().resolve("merged"));
        mountOverlay(layers, merged);
        try {
            assertThat(merged.resolve("bin/busybox")).isRegularFile();
            assertThat(merged.resolve("hello.txt")).as("whited out by the top layer").doesNotExist();
            assertThat(Files.readString(merged.resolve("etc/berth-test"), StandardCharsets.UTF_8)).isEqualTo("berth-itest\n");
        } finally {
            run("umount", merged.toString());
        }

        d.images().pullImage(pull(second.reference()));
        assertThat(layerDirs(snapshots)).as("the two shared base layers are reused; only the marker layer is new").hasSize(5);

        assertThat(d.terminate()).isZero();
        Berthd again = s.start(c);
        again.images().pullImage(pull(first.reference()));
        assertThat(layerDirs(snapshots)).as("snapshots survive a restart and are not unpacked again").hasSize(5);
    }

    @Test
    void berthdKilledDuringUnpackLeavesNoHalfLayerAndTheNextPullCompletes(Daemons.Session s, Registries r) throws Exception {
        LocalRegistry reg = r.start();
        // base, hello.txt, 96 MiB in one file (unpacking it takes long enough to be interrupted), /etc/berth-test
        TestImages.Pushed big = reg.push(r.build(TestImages.busybox().randomLayer("data/big.bin", 96 << 20, 7), "1"), "big:1");
        TestConfig c = s.config();
        Berthd first = s.start(c);
        Path snapshots = c.dir().resolve("root/io.berth.snapshotter.v1.overlayfs/snapshots");
        Thread puller = new Thread(() -> {
            try {
                first.images().pullImage(pull(big.reference()));
            } catch (RuntimeException expected) {
                // the daemon dies under it
            }
        });
        puller.start();
        Path bigFile = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            bigFile = Files.exists(snapshots) ? findBigFile(snapshots) : null;
            if (bigFile != null && Files.size(bigFile) > 0) {
                break;
            }
            Thread.sleep(2);
        }
        assertThat(bigFile).as("the big layer's unpack started").isNotNull();
        ProcessHandle.of(first.process().pid()).ifPresent(ProcessHandle::destroyForcibly); // SIGKILL mid-unpack
        puller.join(30_000);

        Berthd again = s.start(c);
        String id = again.images().pullImage(pull(big.reference())).getImageRef();
        assertThat(id).isEqualTo(big.configDigest());
        List<Path> layers = layerDirs(snapshots);
        assertThat(layers).as("exactly one committed snapshot per layer, no leftover").hasSize(4);
        assertThat(Files.size(layers.get(2).resolve("data/big.bin"))).isEqualTo(96 << 20);
    }

    private static Path findBigFile(Path snapshots) throws IOException {
        try (Stream<Path> dirs = Files.list(snapshots)) {
            return dirs.map(d -> d.resolve("fs/data/big.bin")).filter(Files::exists).findFirst().orElse(null);
        }
    }

    /** The committed layer directories, in the order they were made (ids grow), base first. */
    private static List<Path> layerDirs(Path snapshots) throws IOException {
        try (Stream<Path> s = Files.list(snapshots)) {
            return s.filter(p -> p.getFileName().toString().matches("\\d+"))
                    .sorted(Comparator.comparingLong(p -> Long.parseLong(p.getFileName().toString())))
                    .map(p -> p.resolve("fs"))
                    .collect(Collectors.toList());
        }
    }

    private static void mountOverlay(List<Path> layers, Path target) throws Exception {
        List<Path> topFirst = new java.util.ArrayList<>(layers);
        java.util.Collections.reverse(topFirst);
        String lower = topFirst.stream().map(Path::toString).collect(Collectors.joining(":"));
        run("mount", "-t", "overlay", "overlay", "-o", "lowerdir=" + lower, target.toString());
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", cmd) + ": " + out).isZero();
    }

    private static PullImageRequest pull(String ref) {
        return PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(ref)).build();
    }
}
