package dev.berth.shim.runc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.mount.Mount;
import dev.berth.core.mount.Mounts;
import dev.berth.core.process.ProcessRunner;
import dev.berth.core.runtime.ContainerSpec;
import dev.berth.core.runtime.ContainerState;
import dev.berth.core.runtime.ContainerStatus;
import dev.berth.core.runtime.PodContext;
import dev.berth.core.runtime.Resources;
import dev.berth.core.sandbox.NamespaceMode;
import dev.berth.shim.runc.spec.OciSpecBuilder;
import dev.berth.shim.runc.spec.SpecDefaults;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the end-to-end shim tests share: the real runc and conmon of the host, a busybox root filesystem, shims over
 * a temp dir, and a cleanup that leaves no mount, process, runc state or cgroup behind. Needs root; the tests are
 * skipped otherwise.
 */
abstract class RuncShimFixture {
    protected static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");
    protected static Path runcPath;
    protected static Path conmonPath;

    @TempDir
    protected Path tmp;
    protected Path root;
    protected Path state;
    protected Path image;
    protected Path logs;
    protected String cgroupParent;
    protected final List<RuncShim> shims = new ArrayList<>();

    @BeforeAll
    static void needsRootRuncAndConmon() throws Exception {
        assumeTrue(new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes()).strip()
                .equals("0"), "needs root");
        assumeTrue(Files.isExecutable(Path.of("/bin/busybox")), "needs /bin/busybox");
        try {
            runcPath = HostFacts.findExecutable("runc", "runtime_path", System.getenv("PATH"));
            conmonPath = HostFacts.findExecutable("conmon", "conmon_path", System.getenv("PATH"));
        } catch (BerthException e) {
            assumeTrue(false, e.getMessage());
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        root = Files.createDirectories(tmp.resolve("root"));
        state = Files.createDirectories(tmp.resolve("state"));
        logs = Files.createDirectories(tmp.resolve("logs"));
        image = Files.createDirectories(tmp.resolve("image"));
        Path bin = Files.createDirectories(image.resolve("bin"));
        Files.copy(Path.of("/bin/busybox"), bin.resolve("busybox"));
        for (String tool : List.of("sh", "sleep", "echo", "cat", "id", "ls", "head", "tr", "ps", "printf", "stty", "true")) {
            Files.createSymbolicLink(bin.resolve(tool), Path.of("busybox"));
        }
        Path etc = Files.createDirectories(image.resolve("etc"));
        Files.writeString(etc.resolve("passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/sh\n");
        Files.writeString(etc.resolve("group"), "root:x:0:\nnogroup:x:65534:\n");
        cgroupParent = "/berth-test-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (RuncShim s : shims) {
            try {
                for (ContainerStatus c : s.list()) {
                    s.delete(c.id());
                }
            } catch (RuntimeException e) {
                // keep cleaning below
            }
            s.close();
        }
        ProcessRunner pr = new ProcessRunner();
        Path runcRoot = state.resolve(RuncShim.RUNC_DIR);
        if (Files.isDirectory(runcRoot)) {
            try (Stream<Path> ids = Files.list(runcRoot)) {
                for (Path id : ids.toList()) {
                    pr.run(List.of(runcPath.toString(), "--root", runcRoot.toString(), "delete", "-f",
                            id.getFileName().toString()), Map.of(), null, Duration.ofSeconds(30));
                }
            }
        }
        for (long pid : conmonsOf(tmp)) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        for (Path m : Mounts.mountPointsUnder(tmp)) {
            Mounts.unmountAll(m);
        }
        removeCgroups();
    }

    // ------------------------------------------------------------------ helpers

    protected RuncShim newShim() {
        boolean v2 = HostFacts.cgroupV2(CGROUP_ROOT);
        int minOom = HostFacts.canLowerOomScoreAdj() ? -1000 : HostFacts.ownOomScoreAdj();
        RuncShimSettings settings = new RuncShimSettings(runcPath.toString(), conmonPath.toString(), false,
                cgroupParent, 1 << 20, -1, "criu");
        RuncShim s = new RuncShim(root, state, settings, runcPath, conmonPath,
                new OciSpecBuilder(new SpecDefaults(false, v2, minOom, cgroupParent)),
                new CgroupStats(CGROUP_ROOT, Path.of("/proc"), v2));
        shims.add(s);
        return s;
    }

    protected ContainerSpec spec(String id, List<String> command, Path log, Resources resources) {
        return spec(id, command, log, resources, false, false, false);
    }

    protected ContainerSpec spec(String id, List<String> command, Path log, Resources resources, boolean tty,
                                 boolean stdin, boolean stdinOnce) {
        PodContext pod = new PodContext("sb-" + id, "", "", "", "", false, false, NamespaceMode.CONTAINER, "",
                "", "", "", "", "", cgroupParent, Map.of());
        return new ContainerSpec(id, id, pod, List.of(new Mount("bind", image.toString(), List.of("rbind", "rw"))),
                null, command, List.of(), List.of(), "/", tty, stdin, stdinOnce, log.toString(), List.of(),
                List.of(), resources, null, Map.of(), Map.of(), "");
    }

    protected ContainerStatus startRunning(RuncShim shim, String id, List<String> cmd, Resources r) {
        shim.create(spec(id, cmd, logs.resolve(id + ".log"), r));
        ContainerStatus st = shim.start(id);
        assertThat(st.state()).isEqualTo(ContainerState.RUNNING);
        assertThat(st.pid()).isPositive();
        return st;
    }

    protected static ContainerStatus awaitExited(RuncShim shim, String id) throws InterruptedException {
        await(() -> shim.status(id).state() == ContainerState.EXITED, Duration.ofSeconds(15));
        return shim.status(id);
    }

    protected static void await(BooleanSupplier cond, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + max);
            }
            Thread.sleep(20);
        }
    }

    protected static long size(Path f) {
        try {
            return Files.size(f);
        } catch (IOException e) {
            return 0;
        }
    }


    /** No mount under the temp dir, no conmon of ours, no runc state, no container dir. */
    protected void assertNothingLeft() throws IOException {
        assertThat(Mounts.mountPointsUnder(tmp)).isEmpty();
        assertThat(conmonsOf(tmp)).isEmpty();
        try (Stream<Path> s = Files.list(state.resolve(RuncShim.RUNC_DIR))) {
            assertThat(s).isEmpty();
        }
        try (Stream<Path> s = Files.list(state)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(RuncShim.RUNC_DIR,
                    RuncShim.ATTACH_DIR, RuncShim.USERNS_ROOTFS_DIR);
        }
        try (Stream<Path> s = Files.list(state.resolve(RuncShim.USERNS_ROOTFS_DIR))) {
            assertThat(s).isEmpty();
        }
        try (Stream<Path> s = Files.list(state.resolve(RuncShim.ATTACH_DIR))) {
            assertThat(s).isEmpty();
        }
    }

    protected static List<Long> conmonsOf(Path dir) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains("conmon") && c.contains(dir.toString()))
                        .orElse(false))
                .filter(p -> ProcFs.alive(p.pid(), null))
                .map(ProcessHandle::pid).toList();
    }

    protected void removeCgroups() throws IOException {
        try (Stream<Path> controllers = Files.list(CGROUP_ROOT)) {
            for (Path c : controllers.toList()) {
                Path mine = c.resolve(cgroupParent.substring(1));
                if (!Files.isDirectory(mine)) {
                    continue;
                }
                List<Path> dirs;
                try (Stream<Path> w = Files.walk(mine)) {
                    dirs = w.filter(Files::isDirectory).sorted(Comparator.comparingInt(Path::getNameCount).reversed())
                            .toList();
                }
                for (Path d : dirs) {
                    try {
                        Files.delete(d); // rmdir; cgroup control files vanish with it
                    } catch (IOException e) {
                        // busy (a process still inside): reported by the checks after the run
                    }
                }
            }
        }
    }
}
