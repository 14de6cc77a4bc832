package dev.berth.itest;

import static dev.berth.itest.PodSandboxIT.sh;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.api.cri.v1.Image;
import dev.berth.api.cri.v1.ImageServiceGrpc;
import dev.berth.api.cri.v1.ImageSpec;
import dev.berth.api.cri.v1.ListImagesRequest;
import dev.berth.api.cri.v1.PullImageRequest;
import dev.berth.api.cri.v1.RuntimeServiceGrpc;
import dev.berth.api.cri.v1.VersionRequest;
import dev.berth.core.client.UnixSocketChannel;
import dev.berth.itest.registry.LocalRegistry;
import dev.berth.itest.registry.Registries;
import dev.berth.itest.registry.TestImages;
import dev.berth.testing.reliability.Fault;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * berthd out of resources: its root on a small tmpfs that a pull overfills (while downloading, and while unpacking),
 * and a file table so small that client connections fill it. Each time the call fails with an error the caller can
 * act on, nothing half-made is left, and once the resource is back the daemon serves as before.
 */
@ExtendWith({Daemons.class, Registries.Extension.class})
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ResourceFaultsIT {
    private static final String CONTENT = "root/io.berth.content.v1.local";
    private static final String SNAPSHOTS = "root/io.berth.snapshotter.v1.overlayfs";
    /** The tmpfs the daemon root lives on: room for a small image, not for the big ones below. */
    private static final String DISK = "size=24m";
    private static final int BIG = 40 << 20;

    @BeforeEach
    void requireRoot() {
        assumeTrue("root".equals(System.getProperty("user.name")), "mounting a tmpfs needs root");
    }

    @Test
    @Fault(value = "disk full while a layer downloads", expect = "RESOURCE_EXHAUSTED naming the space; no image, ingest or "
            + "blob left half-made; a smaller pull works afterwards")
    void aLayerBiggerThanTheDiskFailsThePullWithResourceExhaustedAndLeavesNothingHalfMade(Daemons.Session s, Registries r)
            throws Exception {
        LocalRegistry reg = r.start();
        TestImages.Pushed big = reg.push(r.build(TestImages.busybox().randomLayer("data/big.bin", BIG, 46), "1"), "big:1");
        assertFullDiskFailsCleanlyAndRecovers(s, r, reg, big);
    }

    @Test
    @Fault(value = "disk full while a layer unpacks", expect = "RESOURCE_EXHAUSTED naming the space; no image or snapshot "
            + "left half-made; a smaller pull works afterwards")
    void aLayerThatUnpacksBiggerThanTheDiskFailsThePullWithResourceExhaustedAndLeavesNoSnapshot(Daemons.Session s,
            Registries r) throws Exception {
        LocalRegistry reg = r.start();
        // zeros: a few KiB to download, 40 MiB to unpack
        TestImages.Pushed big = reg.push(r.build(TestImages.busybox().extraLayer("data/zeros.bin", "\0".repeat(BIG)), "1"), "zeros:1");
        assertFullDiskFailsCleanlyAndRecovers(s, r, reg, big);
    }

    private static void assertFullDiskFailsCleanlyAndRecovers(Daemons.Session s, Registries r, LocalRegistry reg,
            TestImages.Pushed big) throws Exception {
        TestImages.Pushed small = reg.push(r.build(TestImages.busybox(), "1"), "small:1");
        TestConfig c = s.config();
        Path root = Files.createDirectories(c.dir().resolve("root"));
        assertThat(sh("mount", "-t", "tmpfs", "-o", DISK + ",mode=0711", "berth-it-full", root.toString()).code()).isZero();
        Berthd d = null;
        try {
            d = s.start(c);
            Berthd daemon = d;
            long freeBefore = Files.getFileStore(root).getUsableSpace();

            assertThatThrownBy(() -> images(daemon).pullImage(pull(big.reference()))).isInstanceOfSatisfying(
                    StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).as("status of %s", e.getStatus()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                        assertThat(e.getStatus().getDescription()).containsIgnoringCase("no space left");
                    });

            assertThat(d.process().isAlive()).as("berthd alive").isTrue();
            assertThat(d.images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList()).as("images").isEmpty();
            assertThat(entries(d.dir().resolve(CONTENT).resolve("ingest"))).as("ingests left").isEmpty();
            assertThat(Files.getFileStore(root).getUsableSpace()).as("free bytes after the failed pull (before: %d)", freeBefore)
                    .isGreaterThan(freeBefore - (4 << 20));

            String id = images(d).pullImage(pull(small.reference())).getImageRef();

            assertThat(id).isEqualTo(small.configDigest());
            List<Image> listed = d.images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList();
            assertThat(listed).extracting(Image::getId).containsExactly(small.configDigest());
            assertThat(d.log()).doesNotContain("Exception in thread");
            System.out.println("snapshots after: " + entries(d.dir().resolve(SNAPSHOTS).resolve("snapshots")));
        } finally {
            if (d != null) {
                d.close();
            }
            for (Path m : PodSandboxIT.mountsUnder(root)) {
                sh("umount", "-l", m.toString());
            }
        }
    }

    @Test
    @Fault(value = "file descriptors exhausted by client connections",
            expect = "calls fail with UNAVAILABLE/DEADLINE_EXCEEDED/RESOURCE_EXHAUSTED, never INTERNAL; the daemon "
                    + "serves again once the connections close")
    void aFullFileTableMakesCallsFailAndTheDaemonServesAgainOnceItDrains(Daemons.Session s, Registries r) throws Exception {
        LocalRegistry reg = r.start();
        TestImages.Pushed busybox = reg.push(r.build(TestImages.busybox(), "1"), "busybox:1");
        int limit = 400;
        Berthd d = s.start(s.config().launcher("prlimit", "--nofile=" + limit + ":" + limit));
        d.runtime().version(VersionRequest.getDefaultInstance()); // this client's connection is made before the flood
        long used = openFds(d);
        System.out.println("berthd uses " + used + " of " + limit + " descriptors at rest");
        List<SocketChannel> flood = new ArrayList<>();
        try {
            UnixDomainSocketAddress address = UnixDomainSocketAddress.of(d.socket());
            Instant until = Instant.now().plusSeconds(30);
            while (openFds(d) < limit && flood.size() < 2 * limit && Instant.now().isBefore(until)) {
                SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                flood.add(ch);
                ch.configureBlocking(false);
                try {
                    ch.connect(address);
                } catch (IOException e) {
                    break; // the listen backlog is full too
                }
                if (flood.size() % 50 == 0) {
                    Thread.sleep(100); // let the daemon accept
                }
            }
            Thread.sleep(500);
            System.out.println("berthd holds " + openFds(d) + " descriptors with " + flood.size() + " idle connections");
            assertThat(openFds(d)).as("descriptors in use").isGreaterThanOrEqualTo(limit - 8);

            // a new client gets nowhere, and a pull (sockets, files) on the existing connection fails, neither as a bug
            try (UnixSocketChannel fresh = new UnixSocketChannel(d.socket())) {
                assertFailsAsOutOfResources(() -> RuntimeServiceGrpc.newBlockingStub(fresh.channel())
                        .withDeadlineAfter(3, TimeUnit.SECONDS).version(VersionRequest.getDefaultInstance()));
            }
            assertFailsAsOutOfResources(() -> images(d).pullImage(pull(busybox.reference())));
            assertThat(d.process().isAlive()).as("berthd alive while out of descriptors").isTrue();
        } finally {
            for (SocketChannel ch : flood) {
                ch.close();
            }
        }

        awaitServingOnAFreshConnection(d);
        String id = images(d).pullImage(pull(busybox.reference())).getImageRef();
        assertThat(id).isEqualTo(busybox.configDigest());
        assertThat(openFds(d)).as("descriptors after the flood drained").isLessThan(used + 40);
    }

    private static void assertFailsAsOutOfResources(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            System.out.println("while out of descriptors: " + e.getStatus());
            assertThat(e.getStatus().getCode()).as("status of %s", e.getStatus()).isIn(Set.of(Status.Code.UNAVAILABLE,
                    Status.Code.DEADLINE_EXCEEDED, Status.Code.RESOURCE_EXHAUSTED));
        });
    }

    private static void awaitServingOnAFreshConnection(Berthd d) throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(30);
        StatusRuntimeException last = null;
        while (Instant.now().isBefore(deadline)) {
            try (UnixSocketChannel fresh = new UnixSocketChannel(d.socket())) {
                RuntimeServiceGrpc.newBlockingStub(fresh.channel()).withDeadlineAfter(3, TimeUnit.SECONDS)
                        .version(VersionRequest.getDefaultInstance());
                return;
            } catch (StatusRuntimeException e) {
                last = e;
                Thread.sleep(200);
            }
        }
        throw new AssertionError("berthd does not serve a new connection 30 s after the flood ended", last);
    }

    private static long openFds(Berthd d) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(d.process().pid()), "fd"))) {
            return fds.count();
        }
    }

    private static List<String> entries(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static ImageServiceGrpc.ImageServiceBlockingStub images(Berthd d) {
        return ImageServiceGrpc.newBlockingStub(d.channel().channel()).withDeadlineAfter(120, TimeUnit.SECONDS);
    }

    private static PullImageRequest pull(String ref) {
        return PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(ref)).build();
    }
}
