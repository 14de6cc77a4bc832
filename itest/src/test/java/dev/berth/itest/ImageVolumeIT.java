package dev.berth.itest;

import static dev.berth.itest.PodSandboxIT.mountsUnder;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.api.cri.v1.ContainerConfig;
import dev.berth.api.cri.v1.ExecSyncRequest;
import dev.berth.api.cri.v1.ExecSyncResponse;
import dev.berth.api.cri.v1.Image;
import dev.berth.api.cri.v1.ImageSpec;
import dev.berth.api.cri.v1.ListContainersRequest;
import dev.berth.api.cri.v1.ListImagesRequest;
import dev.berth.api.cri.v1.Mount;
import dev.berth.api.cri.v1.NamespaceMode;
import dev.berth.api.cri.v1.PullImageRequest;
import dev.berth.api.cri.v1.RemoveContainerRequest;
import dev.berth.api.cri.v1.RemoveImageRequest;
import dev.berth.api.cri.v1.StopContainerRequest;
import dev.berth.itest.registry.LocalRegistry;
import dev.berth.itest.registry.Registries;
import dev.berth.itest.registry.TestImages;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Image volumes (CRI {@code Mount.image}, KEP-4639) through a real berthd, runc and overlayfs: a second image with
 * {@code /data/hello.txt} mounted read-only into a busybox container, whole and by sub path; the requests that must
 * fail, leaving nothing behind; and RemoveImage of a mounted image, which removes the record while the container
 * keeps its files, across a daemon restart too, until it goes.
 */
@ExtendWith({Daemons.class, Registries.Extension.class})
class ImageVolumeIT {
    private static final String HELLO = "hello from the volume\n";

    private final List<Berthd> daemons = new ArrayList<>();
    private final String cgroupParent = "/berth-it-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    private TestConfig config;
    private Path dir;
    private Berthd d;
    private String busybox;
    /** The volume image's ref as PullImage answered it, which the kubelet puts in {@code Mount.image}. */
    private String volume;
    private String volumeName;
    /** Snapshot dirs with only busybox pulled, and with both images pulled. */
    private Set<String> busyboxDirs;
    private Set<String> pulledDirs;

    @BeforeAll
    static void requireRootRuncConmon() {
        CriPods.assumeRootRuncConmon();
    }

    @Test
    void anImageIsMountedReadOnlyWholeOrBySubPath(Daemons.Session s, Registries r) throws Exception {
        start(s, r);
        String pod = CriPods.runPod(d, dir, cgroupParent, "iv", NamespaceMode.NODE, NamespaceMode.CONTAINER);
        String id = CriPods.createAndStart(d, pod, "reader", busybox, List.of("sleep", "300"), NamespaceMode.NODE,
                c -> c.addMounts(image("/vol", "").setReadonly(false)) // read-only all the same, as the CRI says
                        .addMounts(image("/sub", "data"))
                        .addMounts(image("/link", "data/escape")));

        assertThat(exec(id, "cat", "/vol/data/hello.txt").getStdout().toStringUtf8()).isEqualTo(HELLO);
        assertThat(exec(id, "cat", "/sub/hello.txt").getStdout().toStringUtf8()).isEqualTo(HELLO);
        assertThat(exec(id, "cat", "/link/berth-test").getStdout().toStringUtf8())
                .as("data/escape -> /../../../etc is the image's /etc, not the host's").isEqualTo("volume\n");
        for (String file : List.of("/vol/x", "/vol/data/hello.txt", "/sub/x")) {
            ExecSyncResponse w = exec(id, "sh", "-c", "echo x > " + file);
            assertThat(w.getExitCode()).as(file).isNotZero();
            assertThat(w.getStderr().toStringUtf8()).contains("Read-only file system");
        }
        assertThat(exec(id, "sh", "-c", "echo x > /tmp/x").getExitCode()).as("the rootfs stays writable").isZero();
        String vol = exec(id, "cat", "/proc/self/mountinfo").getStdout().toStringUtf8().lines()
                .filter(l -> l.split(" ")[4].equals("/vol")).findFirst().orElseThrow();
        assertThat(vol.split(" ")[5]).as(vol).startsWith("ro");
        assertThat(vol.substring(0, vol.indexOf(" - "))).as("private: no peer group, no master")
                .doesNotContain("shared:").doesNotContain("master:");

        List<Mount> reported = CriPods.status(d, id).getMountsList();
        assertThat(reported).hasSize(3).allSatisfy(m -> {
            assertThat(m.getImage().getImage()).isEqualTo(volume);
            assertThat(m.getReadonly()).isTrue();
        });
        assertThat(reported.get(1).getImageSubPath()).isEqualTo("data");
        assertThat(mountsUnder(dir).stream().map(Path::toString).filter(p -> p.contains("/image-volumes/")))
                .as("one host mount per image volume, under the container's bundle").hasSize(3);

        remove(id);
        assertThat(mountsUnder(dir).stream().map(Path::toString).filter(p -> p.contains(id))).isEmpty();
        assertThat(imageVolumeDirs()).isEmpty();
        assertThat(snapshotDirs()).as("the container's layer and its views are gone").isEqualTo(pulledDirs);
    }

    @Test
    void badImageVolumesAreRefusedAndLeaveNothing(Daemons.Session s, Registries r) throws Exception {
        start(s, r);
        String pod = CriPods.runPod(d, dir, cgroupParent, "bad", NamespaceMode.NODE, NamespaceMode.CONTAINER);

        String notPulled = volumeName.substring(0, volumeName.lastIndexOf(':')) + ":2";
        expect(Status.Code.NOT_FOUND, "config.mounts[0].image: image \"" + notPulled + "\" not found",
                () -> create(pod, c -> c.addMounts(Mount.newBuilder().setContainerPath("/vol")
                        .setImage(ImageSpec.newBuilder().setImage(notPulled)))));
        expect(Status.Code.INVALID_ARGUMENT, "config.mounts[1].image_sub_path \"data/../..\" must stay inside the image",
                () -> create(pod, c -> c.addMounts(image("/a", "data")).addMounts(image("/b", "data/../.."))));
        expect(Status.Code.INVALID_ARGUMENT, "config.mounts[0].image_sub_path \"/data\"",
                () -> create(pod, c -> c.addMounts(image("/a", "/data"))));
        // found only once the shim has mounted the view: the view, the mount and the layer must all go again
        expect(Status.Code.INVALID_ARGUMENT, "mounts[1].image_sub_path \"data/nope\" does not exist in the image",
                () -> create(pod, c -> c.addMounts(image("/a", "data")).addMounts(image("/b", "data/nope"))));

        assertThat(d.runtime().listContainers(ListContainersRequest.getDefaultInstance()).getContainersList()).isEmpty();
        assertThat(snapshotDirs()).isEqualTo(pulledDirs);
        assertThat(imageVolumeDirs()).isEmpty();
        assertThat(mountsUnder(dir).stream().filter(p -> p.toString().contains("/image-volumes/"))).isEmpty();
    }

    @Test
    void removeImageWhileMountedKeepsTheFilesUntilTheContainerGoes(Daemons.Session s, Registries r) throws Exception {
        start(s, r);
        String pod = CriPods.runPod(d, dir, cgroupParent, "rmi", NamespaceMode.NODE, NamespaceMode.CONTAINER);
        String id = CriPods.createAndStart(d, pod, "reader", busybox, List.of("sleep", "300"), NamespaceMode.NODE,
                c -> c.addMounts(image("/vol", "")));

        d.images().removeImage(RemoveImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(volume)).build());
        assertThat(d.images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList())
                .extracting(Image::getId).doesNotContain(volume);
        Thread.sleep(2500); // gc_interval is 1s: collections ran while the image's only user is the volume
        assertThat(exec(id, "cat", "/vol/data/hello.txt").getStdout().toStringUtf8()).isEqualTo(HELLO);
        assertThat(exec(id, "cat", "/vol/etc/berth-test").getStdout().toStringUtf8()).isEqualTo("volume\n");

        assertThat(d.terminate()).isZero(); // a restart (and its start-up collection) keeps the view and its mount
        d = s.start(config);
        daemons.add(d);
        assertThat(exec(id, "cat", "/vol/data/hello.txt").getStdout().toStringUtf8()).isEqualTo(HELLO);

        remove(id);
        assertThat(mountsUnder(dir).stream().filter(p -> p.toString().contains("/image-volumes/"))).isEmpty();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!snapshotDirs().equals(busyboxDirs) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(snapshotDirs()).as("the volume image's own layers go with its last user").isEqualTo(busyboxDirs);
    }

    // ------------------------------------------------------------------ cleanup

    @AfterEach
    void cleanUp() throws Exception {
        CriPods.cleanUp(daemons, dir, cgroupParent);
    }

    // ------------------------------------------------------------------ helpers

    /** berthd with GC every second, the busybox image and the volume image pulled. */
    private void start(Daemons.Session s, Registries r) throws Exception {
        config = s.config().append("[plugins.\"io.berth.grpc.v1.cri\"]\ngc_interval = \"1s\"\n");
        dir = config.dir();
        d = s.start(config);
        daemons.add(d);
        LocalRegistry reg = r.start();
        TestImages.Pushed bb = reg.push(r.build(TestImages.busybox(), "1"), "busybox:1");
        TestImages.Pushed vol = reg.push(r.build(TestImages.busybox().marker("volume")
                .extraLayer("data/hello.txt", HELLO).symlinkLayer("data/escape", "/../../../etc"), "1"), "volume:1");
        busybox = bb.reference();
        d.images().pullImage(PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(busybox)).build());
        busyboxDirs = snapshotDirs();
        volumeName = vol.reference();
        volume = d.images().pullImage(PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(volumeName))
                .build()).getImageRef();
        pulledDirs = snapshotDirs();
        assertThat(pulledDirs).as("the volume image adds its own layers").hasSizeGreaterThan(busyboxDirs.size());
    }

    private Mount.Builder image(String containerPath, String subPath) {
        return Mount.newBuilder().setContainerPath(containerPath).setReadonly(true)
                .setImage(ImageSpec.newBuilder().setImage(volume)).setImageSubPath(subPath);
    }

    private String create(String pod, UnaryOperator<ContainerConfig.Builder> more) {
        return CriPods.create(d, pod, "c", busybox, List.of("sleep", "300"), NamespaceMode.NODE, more);
    }

    private ExecSyncResponse exec(String id, String... cmd) {
        return d.runtime().execSync(ExecSyncRequest.newBuilder().setContainerId(id).addAllCmd(List.of(cmd))
                .setTimeout(10).build());
    }

    private void remove(String id) {
        d.runtime().stopContainer(StopContainerRequest.newBuilder().setContainerId(id).build());
        d.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
    }

    private Set<String> snapshotDirs() throws IOException {
        Path snapshots = dir.resolve("root/io.berth.snapshotter.v1.overlayfs/snapshots");
        try (Stream<Path> s = Files.list(snapshots)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.matches("\\d+"))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    /** {@code image-volumes} dirs left in any bundle of the runc shim's state. */
    private List<Path> imageVolumeDirs() throws IOException {
        Path state = dir.resolve("state");
        if (!Files.isDirectory(state)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(state, 4)) {
            return s.filter(p -> p.getFileName().toString().equals("image-volumes")).toList();
        }
    }

    private static void expect(Status.Code code, String inMessage, Runnable call) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(code);
            assertThat(e.getStatus().getDescription()).contains(inMessage);
        });
    }
}
