package dev.berth.itest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.api.cri.v1.ContainerStatus;
import dev.berth.api.cri.v1.ContainerStatusRequest;
import dev.berth.api.cri.v1.ExecSyncRequest;
import dev.berth.api.cri.v1.ExecSyncResponse;
import dev.berth.api.cri.v1.FilesystemUsage;
import dev.berth.api.cri.v1.ImageFsInfoRequest;
import dev.berth.api.cri.v1.ImageSpec;
import dev.berth.api.cri.v1.NamespaceMode;
import dev.berth.api.cri.v1.PullImageRequest;
import dev.berth.api.cri.v1.RemoveContainerRequest;
import dev.berth.api.cri.v1.RemoveImageRequest;
import dev.berth.api.cri.v1.RemovePodSandboxRequest;
import dev.berth.api.cri.v1.StartContainerRequest;
import dev.berth.api.cri.v1.StopContainerRequest;
import dev.berth.api.cri.v1.StopPodSandboxRequest;
import dev.berth.api.cri.v1.VersionRequest;
import dev.berth.itest.registry.Registries;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Third-party plugin jars dropped into {@code plugin_dir}, as an operator installs them: the sample native
 * snapshotter (samples/snapshotter-native) carrying a whole pod and container, and a jar built for a plugin SPI
 * this berthd does not provide, which must be skipped with the reason while everything else runs.
 */
@ExtendWith({Daemons.class, Registries.Extension.class})
class ThirdPartyPluginIT {
    private static final String NATIVE = "io.berth.snapshotter.v1.native";
    private static final String OVERLAY = "io.berth.snapshotter.v1.overlayfs";

    private final List<Berthd> daemons = new ArrayList<>();
    private final String cgroupParent = "/berth-it-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    private Path dir;

    @Test
    void podAndContainerRunOnTheNativeSnapshotterFromPluginDir(Daemons.Session s, Registries r) throws Exception {
        CriPods.assumeRootRuncConmon();
        TestConfig c = s.config().installPlugin("native", "snapshotter-native.jar")
                .append("[plugins.\"io.berth.grpc.v1.cri\"]\nsnapshotter = \"native\"");
        dir = c.dir();
        Berthd d = s.start(c);
        daemons.add(d);

        Berthctl.Result ls = Berthctl.run("-r", d.socket().toString(), "plugins", "ls");
        assertThat(ls.exitCode()).as(ls.output()).isZero();
        assertThat(ls.output()).containsPattern("io\\.berth\\.snapshotter\\.v1 +native +ok")
                .containsPattern("io\\.berth\\.grpc\\.v1 +cri +ok").doesNotContain("plugin_dir");
        Berthctl.Result json = Berthctl.run("-r", d.socket().toString(), "plugins", "ls", "-o", "json", "--type", "io.berth.snapshotter");
        assertThat(json.output()).contains("\"origin\": \"" + c.pluginDir().resolve("native") + "\"");
        // the CRI plugin (built in) was initialised after the snapshotter it requires, which came from plugin_dir
        String log = d.log();
        assertThat(log).doesNotContain("images are pulled but not unpacked");

        String image = CriFixtures.pushAndPullBusybox(d, r);
        Path snapshots = dir.resolve("root/" + NATIVE + "/snapshots");
        List<Path> layers = entries(snapshots);
        assertThat(layers).as("one plain directory per image layer").hasSize(3)
                .allSatisfy(l -> assertThat(l.resolve("fs/bin/busybox")).isRegularFile());
        assertThat(entries(dir.resolve("root/io.berth.snapshotter.v1.overlayfs/snapshots"))).isEmpty();

        String pod = CriPods.runPod(d, dir, cgroupParent, "native", NamespaceMode.NODE, NamespaceMode.CONTAINER);
        String ctr = CriPods.createAndStart(d, pod, "writer", image, List.of("sh", "-c",
                "echo from-native > /home/app/written; cat /home/app/written; ls -lnd /tmp /home/app; sleep 300"),
                NamespaceMode.NODE, b -> b);
        ContainerStatus st = CriPods.status(d, ctr);
        String out = CriPods.awaitLog(Path.of(st.getLogPath()), "/home/app");
        assertThat(out).contains("stdout F from-native")
                // modes and owners came through three copies of the first layer
                .containsPattern("drwxrwxrwt +\\d+ +0 +0 .* /tmp")
                .containsPattern("drwxr-xr-x +\\d+ +1000 +1000 .* /home/app");
        ExecSyncResponse cat = d.runtime().execSync(ExecSyncRequest.newBuilder().setContainerId(ctr)
                .addAllCmd(List.of("cat", "/home/app/written", "/hello.txt")).setTimeout(10).build());
        assertThat(cat.getExitCode()).as(cat.getStderr().toStringUtf8()).isZero();
        assertThat(cat.getStdout().toStringUtf8()).startsWith("from-native\n");

        // the container's root file system is a native snapshot: its own copy, written in place
        List<Path> all = entries(snapshots);
        assertThat(all).hasSize(4);
        Path own = all.stream().filter(p -> !layers.contains(p)).findFirst().orElseThrow();
        assertThat(own.resolve("fs/home/app/written")).hasContent("from-native");
        assertThat(layers).allSatisfy(l -> assertThat(l.resolve("fs/home/app/written")).doesNotExist());

        d.runtime().stopContainer(StopContainerRequest.newBuilder().setContainerId(ctr).setTimeout(0).build());
        d.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(ctr).build());
        assertThat(own).doesNotExist();
        d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
        d.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
        assertThat(entries(snapshots)).containsExactlyInAnyOrderElementsOf(layers);

        d.images().removeImage(RemoveImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(image)).build());
        awaitEmpty(snapshots, Duration.ofSeconds(20));
        assertThat(d.log()).doesNotContain("native: ");
    }

    @Test
    void eachRuntimeHandlerKeepsItsContainersInItsOwnSnapshotter(Daemons.Session s, Registries r) throws Exception {
        CriPods.assumeRootRuncConmon();
        TestConfig c = s.config().installPlugin("native", "snapshotter-native.jar")
                .append("[plugins.\"io.berth.grpc.v1.cri\".runtimes.native]\nsnapshotter = \"native\"\n")
                .append("[plugins.\"io.berth.grpc.v1.cri\".runtimes.broken]\nsnapshotter = \"zfs\"\n");
        dir = c.dir();
        Berthd d = s.start(c);
        daemons.add(d);
        assertThat(d.log()).contains("runtime handler \"broken\": runtimes.broken.snapshotter is \"zfs\", but no plugin"
                + " io.berth.snapshotter.v1.zfs is installed");
        Path nativeSnapshots = dir.resolve("root/" + NATIVE + "/snapshots");
        Path overlaySnapshots = dir.resolve("root/" + OVERLAY + "/snapshots");

        // a pull naming no handler unpacks into the default snapshotter only
        String image = CriFixtures.pushAndPullBusybox(d, r);
        List<Path> overlayLayers = entries(overlaySnapshots);
        assertThat(overlayLayers).hasSize(3);
        assertThat(entries(nativeSnapshots)).isEmpty();

        // the broken handler fails clearly, before anything is made
        assertThatThrownBy(() -> CriPods.runPod(d, dir, cgroupParent, "broken", NamespaceMode.NODE, NamespaceMode.CONTAINER,
                "broken")).isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode())
                .isEqualTo(Status.Code.FAILED_PRECONDITION)).hasMessageContaining("runtimes.broken.snapshotter is \"zfs\"");
        assertThatThrownBy(() -> d.images().pullImage(PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder()
                .setImage(image).setRuntimeHandler("broken")).build())).hasMessageContaining("FAILED_PRECONDITION")
                .hasMessageContaining("runtimes.broken.snapshotter");

        String overlayPod = CriPods.runPod(d, dir, cgroupParent, "on-overlay", NamespaceMode.NODE, NamespaceMode.CONTAINER, "");
        String nativePod = CriPods.runPod(d, dir, cgroupParent, "on-native", NamespaceMode.NODE, NamespaceMode.CONTAINER, "native");
        List<String> command = List.of("sh", "-c", "echo $HOSTNAME-was-here > /written; sleep 300");
        // two creates at once in the native pod: the image is unpacked there on demand, once
        CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> CriPods.create(d, nativePod, "first", image,
                command, NamespaceMode.NODE, b -> b));
        CompletableFuture<String> second = CompletableFuture.supplyAsync(() -> CriPods.create(d, nativePod, "second", image,
                command, NamespaceMode.NODE, b -> b));
        List<String> onNative = List.of(first.get(60, TimeUnit.SECONDS), second.get(60, TimeUnit.SECONDS));
        String onOverlay = CriPods.create(d, overlayPod, "third", image, command, NamespaceMode.NODE, b -> b);
        assertThat(entries(nativeSnapshots)).as("three layers unpacked once, and two root file systems").hasSize(5);
        assertThat(entries(overlaySnapshots)).as("the image's layers and one root file system").hasSize(4);
        for (String id : List.of(onNative.get(0), onNative.get(1), onOverlay)) {
            d.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
        }

        for (String id : onNative) {
            assertThat(rootMount(d, id)).as("root of %s", id).doesNotContain(" - overlay ")
                    .contains("/" + NATIVE + "/snapshots/");
            assertThat(verboseInfo(d, id)).contains("\"snapshotter\": \"native\"");
        }
        assertThat(rootMount(d, onOverlay)).contains(" - overlay ");
        assertThat(verboseInfo(d, onOverlay)).contains("\"snapshotter\": \"overlayfs\"");
        List<FilesystemUsage> fs = d.images().imageFsInfo(ImageFsInfoRequest.getDefaultInstance()).getImageFilesystemsList();
        assertThat(fs).extracting(u -> u.getFsId().getMountpoint())
                .containsExactly(dir.resolve("root").toString(), dir.resolve("root/" + NATIVE).toString());
        assertThat(fs.get(1).getUsedBytes().getValue()).isPositive();

        // after a restart the records still know where each layer is: removal takes it from the right snapshotter
        assertThat(d.terminate()).isZero();
        Berthd again = s.start(c);
        daemons.add(again);
        for (String id : List.of(onNative.get(0), onNative.get(1), onOverlay)) {
            again.runtime().stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(0).build());
            again.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
        }
        assertThat(entries(nativeSnapshots)).hasSize(3);
        assertThat(entries(overlaySnapshots)).containsExactlyElementsOf(overlayLayers);
        for (String pod : List.of(overlayPod, nativePod)) {
            again.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
            again.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
        }

        // removing the image collects it from both snapshotters
        again.images().removeImage(RemoveImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(image)).build());
        awaitEmpty(nativeSnapshots, Duration.ofSeconds(20));
        awaitEmpty(overlaySnapshots, Duration.ofSeconds(20));

        // a runtime-class aware pull unpacks into its handler's snapshotter straight away
        again.images().pullImage(PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(image)
                .setRuntimeHandler("native")).build());
        assertThat(entries(nativeSnapshots)).hasSize(3);
        assertThat(entries(overlaySnapshots)).isEmpty();
        again.images().removeImage(RemoveImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(image)).build());
        awaitEmpty(nativeSnapshots, Duration.ofSeconds(20));
        assertThat(again.log()).doesNotContain("native: ");
    }

    /** The container's root mount, as its own mountinfo line shows it ("... / ... - fstype source options"). */
    private static String rootMount(Berthd d, String id) {
        ExecSyncResponse x = d.runtime().execSync(ExecSyncRequest.newBuilder().setContainerId(id)
                .addAllCmd(List.of("cat", "/proc/self/mountinfo")).setTimeout(10).build());
        assertThat(x.getExitCode()).as(x.getStderr().toStringUtf8()).isZero();
        return x.getStdout().toStringUtf8().lines().filter(l -> l.split(" ")[4].equals("/")).findFirst()
                .orElseThrow(() -> new AssertionError("no root mount in\n" + x.getStdout().toStringUtf8()));
    }

    private static String verboseInfo(Berthd d, String id) {
        return d.runtime().containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id).setVerbose(true).build())
                .getInfoOrThrow("info");
    }

    @Test
    void jarBuiltForAnotherPluginSpiIsSkippedWithTheReason(Daemons.Session s) throws Exception {
        TestConfig c = s.config().installPlugin("future", "failing-plugin-spi-next.jar");
        Berthd d = s.start(c);
        daemons.add(d);

        Berthctl.Result ls = Berthctl.run("-r", d.socket().toString(), "plugins", "ls");
        assertThat(ls.exitCode()).as(ls.output()).isZero();
        assertThat(ls.output()).containsPattern("plugin_dir +future +skipped +failing-plugin-spi-next\\.jar was built"
                + " for plugin SPI 999\\.0, but this berthd provides 1\\.0")
                .containsPattern("io\\.berth\\.grpc\\.v1 +cri +ok")
                .doesNotContain("io.berth.test.v1"); // none of its classes was loaded, so nothing of it was registered
        assertThat(d.runtime().version(VersionRequest.getDefaultInstance()).getRuntimeName()).isEqualTo("berth");
        assertThat(d.log()).contains("plugin directory " + c.pluginDir().resolve("future") + " not loaded");
        d.terminate();

        // asked to require the plugin in it, berthd refuses to start and says why
        TestConfig required = s.config("required").installPlugin("future", "failing-plugin-spi-next.jar")
                .set("required_plugins = [\"io.berth.test.v1.failing\"]");
        Berthd r = s.launch(required);
        assertThat(r.awaitExit(Duration.ofSeconds(30))).isEqualTo(1);
        assertThat(r.log()).contains("required plugin io.berth.test.v1.failing is not installed (plugin directories not"
                + " loaded: " + required.pluginDir().resolve("future") + ": failing-plugin-spi-next.jar was built for plugin SPI 999.0");
    }

    @AfterEach
    void cleanUp() throws Exception {
        CriPods.cleanUp(daemons, dir, cgroupParent);
    }

    private static List<Path> entries(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    private static void awaitEmpty(Path dir, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!entries(dir).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(entries(dir)).as("snapshots left after RemoveImage").isEmpty();
    }
}
