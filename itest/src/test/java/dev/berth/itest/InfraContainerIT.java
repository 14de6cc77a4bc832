package dev.berth.itest;

import static dev.berth.itest.PodSandboxIT.mountsUnder;
import static dev.berth.itest.PodSandboxIT.processesMentioning;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.berth.api.cri.v1.Container;
import dev.berth.api.cri.v1.ContainerConfig;
import dev.berth.api.cri.v1.ExecSyncRequest;
import dev.berth.api.cri.v1.Image;
import dev.berth.api.cri.v1.ImageSpec;
import dev.berth.api.cri.v1.LinuxContainerConfig;
import dev.berth.api.cri.v1.LinuxContainerSecurityContext;
import dev.berth.api.cri.v1.ListContainersRequest;
import dev.berth.api.cri.v1.ListImagesRequest;
import dev.berth.api.cri.v1.ListPodSandboxRequest;
import dev.berth.api.cri.v1.NamespaceMode;
import dev.berth.api.cri.v1.NamespaceOption;
import dev.berth.api.cri.v1.PodSandboxState;
import dev.berth.api.cri.v1.PodSandboxStatusRequest;
import dev.berth.api.cri.v1.PullImageRequest;
import dev.berth.api.cri.v1.RemovePodSandboxRequest;
import dev.berth.api.cri.v1.StopPodSandboxRequest;
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
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The infra-container sandbox mode through the CRI of a real berthd: a runtime handler with {@code pod_infra =
 * "image"} runs a small pause image (built from the host's static busybox, pushed to a local registry and named as
 * {@code sandbox_image}) in each of its pods with real runc under conmon, in pods with their own loopback-only network.
 * Each test has its own cgroup parent, removed with everything else after it, pass or fail.
 */
@ExtendWith({Daemons.class, Registries.Extension.class})
class InfraContainerIT {
    static final String HANDLER = "pause";
    /** The pause image's $0, so its process is easy to find and tell apart. */
    static final String MARKER = "berth-itest-pause";
    /** pid 1 ignores every signal it does not handle: like the real pause, it exits on SIGTERM, and reaps orphans. */
    static final String PAUSE_SCRIPT = "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done";
    static final String NOBODY = "65534";

    private final List<Berthd> daemons = new ArrayList<>();
    private final String cgroupParent = "/berth-it-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    private Path dir;

    @BeforeAll
    static void requireRootRuncConmonCni() {
        CriPods.assumeRootRuncConmonLoopbackCni();
    }

    // ------------------------------------------------------------------ tests

    @Test
    void everyPodOfTheHandlerRunsThePauseImageInItsNamespacesUntilItIsRemoved(Daemons.Session s, Registries r)
            throws Exception {
        LocalRegistry reg = r.start();
        String pause = pushPause(reg, r, "pause:1");
        TestConfig c = config(s, pause);
        Berthd d = start(s, c);
        String busybox = pullBusybox(d, reg, r);
        assertThat(imageTagged(d, pause)).as("not pulled before a pod needs it").isNull();

        String shared = CriPods.runPod(d, dir, cgroupParent, "shared", NamespaceMode.POD, NamespaceMode.POD, HANDLER);
        Image image = imageTagged(d, pause);
        assertThat(image).as("pulled on first use").isNotNull();
        assertThat(image.getPinned()).isTrue();
        assertThat(imageTagged(d, busybox).getPinned()).isFalse();
        long snapshotsWithOnePod = snapshotDirs();

        JsonObject info = verboseInfo(d, shared);
        long pid = info.get("infraPid").getAsLong();
        assertThat(info.get("infraImage").getAsString()).isEqualTo(pause);
        assertThat(info.get("pidns").getAsString()).isEqualTo("/proc/" + pid + "/ns/pid");
        assertThat(cmdline(pid)).contains(MARKER);
        assertThat(statusField(pid, "Uid")).as("the image's user").startsWith(NOBODY + "\t");
        assertThat(statusField(pid, "NoNewPrivs")).isEqualTo("1");
        for (String[] ns : List.of(new String[] {"net", "netNamespacePath"}, new String[] {"uts", "utsns"},
                new String[] {"ipc", "ipcns"})) {
            assertThat(nsInode(pid, ns[0])).as(ns[0] + " namespace").isEqualTo(pinnedInode(info.get(ns[1]).getAsString()));
        }
        assertThat(Files.readString(Path.of("/proc/" + pid + "/cgroup"))).contains(cgroupParent + "/berth-" + shared + "\n");

        UnaryOperator<ContainerConfig.Builder> sharedPid = b -> b.setLinux(LinuxContainerConfig.newBuilder()
                .setSecurityContext(LinuxContainerSecurityContext.newBuilder().setNamespaceOptions(
                        NamespaceOption.newBuilder().setNetwork(NamespaceMode.POD).setPid(NamespaceMode.POD))));
        String app = CriPods.createAndStart(d, shared, "app", busybox, List.of("sleep", "4711"), NamespaceMode.POD, sharedPid);
        assertThat(exec(d, app, "cat", "/proc/1/cmdline")).as("pid 1 of the pod is its infra container").contains(MARKER);
        assertThat(d.runtime().listContainers(ListContainersRequest.getDefaultInstance()).getContainersList())
                .extracting(Container::getId).containsExactly(app);

        // a pod that does not share its pid namespace gets one all the same, in a pid namespace of its own
        String own = CriPods.runPod(d, dir, cgroupParent, "own", NamespaceMode.POD, NamespaceMode.CONTAINER, HANDLER);
        JsonObject ownInfo = verboseInfo(d, own);
        long ownPid = ownInfo.get("infraPid").getAsLong();
        assertThat(cmdline(ownPid)).contains(MARKER);
        assertThat(ownInfo.has("pidns")).isFalse();
        assertThat(nsInode(ownPid, "pid")).isNotEqualTo(nsInode(pid, "pid")).isNotEqualTo(nsInode(ProcessHandle.current().pid(), "pid"));
        // and the default handler's pods stay pause-less
        String plain = CriPods.runPod(d, dir, cgroupParent, "plain", NamespaceMode.POD, NamespaceMode.CONTAINER, "");
        assertThat(verboseInfo(d, plain).has("infraPid")).isFalse();

        d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(shared).build());
        awaitGone(pid);
        assertThat(state(d, shared)).isEqualTo(PodSandboxState.SANDBOX_NOTREADY);
        for (String id : List.of(shared, own, plain)) {
            d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
            d.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
        }
        awaitGone(ownPid);
        assertThat(processesMentioning(MARKER)).isEmpty();
        assertThat(processesMentioning(dir.resolve("state").toString())).as("monitors left").isEmpty();
        assertThat(mountsUnder(dir)).isEmpty();
        assertThat(dir.resolve("state/io.berth.runtime.v2.runc/runc").resolve(shared)).doesNotExist();
        assertThat(snapshotDirs()).as("the infra snapshots went with their pods").isEqualTo(snapshotsWithOnePod - 1);
        for (String id : List.of(shared, own)) {
            assertThat(cgroupDirs(cgroupParent + "/berth-" + id)).noneMatch(Files::exists);
        }
        assertThat(imageTagged(d, pause)).as("the image stays for the next pod").isNotNull();
    }

    @Test
    void aReadyPodKeepsItsInfraContainerThroughABerthdKilledWithSigkill(Daemons.Session s, Registries r) throws Exception {
        LocalRegistry reg = r.start();
        TestConfig c = config(s, pushPause(reg, r, "pause:1"));
        Berthd d = start(s, c);
        String busybox = pullBusybox(d, reg, r);
        String pod = CriPods.runPod(d, dir, cgroupParent, "survivor", NamespaceMode.POD, NamespaceMode.POD, HANDLER);
        long pid = verboseInfo(d, pod).get("infraPid").getAsLong();
        String app = CriPods.createAndStart(d, pod, "app", busybox, List.of("sleep", "4711"), NamespaceMode.POD,
                b -> b.setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(LinuxContainerSecurityContext.newBuilder()
                        .setNamespaceOptions(NamespaceOption.newBuilder().setNetwork(NamespaceMode.POD).setPid(NamespaceMode.POD)))));

        d.process().destroyForcibly().waitFor();
        assertThat(cmdline(pid)).as("the infra container outlives berthd").contains(MARKER);

        Berthd again = start(s, c);
        assertThat(state(again, pod)).isEqualTo(PodSandboxState.SANDBOX_READY);
        assertThat(verboseInfo(again, pod).get("infraPid").getAsLong()).isEqualTo(pid);
        assertThat(exec(again, app, "cat", "/proc/1/cmdline")).contains(MARKER);
        assertThat(again.runtime().listContainers(ListContainersRequest.getDefaultInstance()).getContainersList())
                .extracting(Container::getId).containsExactly(app);

        again.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
        again.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
        awaitGone(pid);
        assertThat(processesMentioning(MARKER)).isEmpty();
    }

    @Test
    void aSandboxImageTheRegistryLacksFailsRunPodSandboxAndLeavesNothing(Daemons.Session s, Registries r) throws Exception {
        LocalRegistry reg = r.start();
        String missing = reg.host() + "/missing:1";
        TestConfig c = config(s, missing);
        Berthd d = start(s, c);

        assertThatThrownBy(() -> CriPods.runPod(d, dir, cgroupParent, "web", NamespaceMode.POD, NamespaceMode.POD, HANDLER))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                    assertThat(e.getStatus().getDescription()).contains("cannot pull sandbox_image " + missing);
                });
        assertThat(d.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()).isEmpty();
        assertThat(imageTagged(d, missing)).isNull();
        Path controllerState = dir.resolve("state").resolve(PodSandboxIT.CONTROLLER);
        for (String kind : List.of("netns", "utsns", "ipcns", "sandboxes")) {
            assertThat(listing(controllerState.resolve(kind))).as(kind).isEmpty();
        }
        assertThat(mountsUnder(dir)).isEmpty();
        assertThat(processesMentioning(dir.resolve("state").toString())).isEmpty();
        assertThat(cgroupDirs(cgroupParent)).noneMatch(Files::exists);

        // the node still runs pause-less pods, and the handler's own once the image is there
        CriPods.runPod(d, dir, cgroupParent, "plain", NamespaceMode.POD, NamespaceMode.CONTAINER, "");
        pushPause(reg, r, "missing:1");
        String pod = CriPods.runPod(d, dir, cgroupParent, "web", NamespaceMode.POD, NamespaceMode.POD, HANDLER);
        assertThat(cmdline(verboseInfo(d, pod).get("infraPid").getAsLong())).contains(MARKER);
    }

    @Test
    void aPodInfraValueOtherThanPauselessOrImageIsRefusedAtStartNamingTheKey(Daemons.Session s) throws Exception {
        TestConfig c = s.config().set("required_plugins = [\"io.berth.grpc.v1.cri\"]")
                .append("[plugins.\"io.berth.grpc.v1.cri\".runtimes." + HANDLER + "]\npod_infra = \"pause\"\n");
        Berthd d = s.launch(c);
        daemons.add(d);
        assertThat(d.awaitExit(java.time.Duration.ofSeconds(30))).isEqualTo(1);
        assertThat(d.log()).contains("required plugin io.berth.grpc.v1.cri is error",
                "runtimes.\"" + HANDLER + "\".pod_infra = \"pause\": want \"pauseless\"");
    }

    // ------------------------------------------------------------------ cleanup

    @AfterEach
    void cleanUp() throws Exception {
        CriPods.cleanUp(daemons, dir, cgroupParent);
        assertThat(processesMentioning(MARKER)).as("infra processes left").isEmpty();
    }

    // ------------------------------------------------------------------ helpers

    /** Loopback-only pod networks, {@code sandboxImage} as sandbox_image, and handler {@value #HANDLER} in image mode. */
    private static TestConfig config(Daemons.Session s, String sandboxImage) throws IOException {
        return CriPods.loopbackNetwork(s.config()).append("[plugins.\"io.berth.grpc.v1.cri\"]\nsandbox_image = \""
                + sandboxImage + "\"\n[plugins.\"io.berth.grpc.v1.cri\".runtimes." + HANDLER + "]\npod_infra = \"image\"\n");
    }

    /** Builds the pause image, pushes it as {@code repoAndTag} and returns its reference. */
    private static String pushPause(LocalRegistry reg, Registries r, String repoAndTag) throws Exception {
        TestImages.Builder pause = TestImages.busybox().user(NOBODY + ":" + NOBODY).workingDir("/")
                .entrypoint(List.of("/bin/sh", "-c", PAUSE_SCRIPT)).cmd(List.of(MARKER)).marker("pause");
        return reg.push(r.build(pause, "pause"), repoAndTag).reference();
    }

    private static String pullBusybox(Berthd d, LocalRegistry reg, Registries r) throws Exception {
        String ref = reg.push(r.build(TestImages.busybox(), "1"), "busybox:1").reference();
        d.images().pullImage(PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(ref)).build());
        return ref;
    }

    private Berthd start(Daemons.Session s, TestConfig c) throws Exception {
        dir = c.dir();
        Berthd d = s.start(c);
        daemons.add(d);
        return d;
    }

    private static Image imageTagged(Berthd d, String ref) {
        return d.images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList().stream()
                .filter(i -> i.getRepoTagsList().contains(ref)).findFirst().orElse(null);
    }

    private static JsonObject verboseInfo(Berthd d, String pod) {
        String info = d.runtime().podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(pod)
                .setVerbose(true).build()).getInfoMap().get("info");
        return JsonParser.parseString(info).getAsJsonObject();
    }

    private static PodSandboxState state(Berthd d, String pod) {
        return d.runtime().podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(pod).build())
                .getStatus().getState();
    }

    private static String exec(Berthd d, String id, String... cmd) {
        return d.runtime().execSync(ExecSyncRequest.newBuilder().setContainerId(id).addAllCmd(List.of(cmd)).setTimeout(10)
                .build()).getStdout().toStringUtf8();
    }

    private static String cmdline(long pid) throws IOException {
        Path p = Path.of("/proc/" + pid + "/cmdline");
        return Files.exists(p) ? Files.readString(p).replace('\0', ' ') : "";
    }

    /** A field of /proc/pid/status, e.g. {@code Uid}: its value after the tab. */
    private static String statusField(long pid, String name) throws IOException {
        return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream().filter(l -> l.startsWith(name + ":"))
                .map(l -> l.substring(name.length() + 1).strip()).findFirst().orElseThrow();
    }

    /** The inode of a process's namespace of {@code kind}, from its {@code kind:[inode]} link. */
    private static long nsInode(long pid, String kind) throws IOException {
        String link = Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/" + kind)).toString();
        return Long.parseLong(link.substring(link.indexOf('[') + 1, link.indexOf(']')));
    }

    /** The inode of the namespace pinned at {@code file} (a bind mount of an nsfs file). */
    private static long pinnedInode(String file) throws IOException {
        return ((Number) Files.getAttribute(Path.of(file), "unix:ino")).longValue();
    }

    /** Waits up to 10 s for {@code pid} to be gone (reaped by its monitor). */
    private static void awaitGone(long pid) throws InterruptedException {
        for (int i = 0; i < 200 && Files.exists(Path.of("/proc/" + pid)); i++) {
            Thread.sleep(50);
        }
        assertThat(Path.of("/proc/" + pid)).as("infra process " + pid).doesNotExist();
    }

    /** Snapshot directories of the overlay snapshotter: committed layers, containers' and infra containers' layers. */
    private long snapshotDirs() throws IOException {
        return listing(dir.resolve("root/io.berth.snapshotter.v1.overlayfs/snapshots")).size();
    }

    private static List<Path> listing(Path d) throws IOException {
        if (!Files.isDirectory(d)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(d)) {
            return s.toList();
        }
    }

    /** {@code rel} below each mounted cgroup hierarchy (the root itself on a pure v2 host). */
    private static List<Path> cgroupDirs(String rel) throws IOException {
        Path root = Path.of("/sys/fs/cgroup");
        String relative = rel.startsWith("/") ? rel.substring(1) : rel;
        if (Files.exists(root.resolve("cgroup.procs"))) {
            return List.of(root.resolve(relative));
        }
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(h -> Files.exists(h.resolve("cgroup.procs")) && !Files.isSymbolicLink(h))
                    .map(h -> h.resolve(relative)).toList();
        }
    }
}
