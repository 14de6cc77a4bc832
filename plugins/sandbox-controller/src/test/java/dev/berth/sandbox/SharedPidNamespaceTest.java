package dev.berth.sandbox;

import static dev.berth.sandbox.PodSandboxControllerTest.sh;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.sandbox.NamespaceMode;
import dev.berth.core.sandbox.NamespaceOptions;
import dev.berth.core.sandbox.SandboxConfig;
import dev.berth.core.sandbox.SandboxInfo;
import dev.berth.core.sandbox.SandboxState;
import dev.berth.core.sandbox.SandboxStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pods sharing one pid namespace ({@code shareProcessNamespace}), as root with real namespaces. Host-network pods
 * with their own IPC namespace, so no CNI is involved; the networked case is in {@link PodSandboxControllerTest}.
 */
class SharedPidNamespaceTest {
    private static final NamespaceOptions SHARED_PID =
            new NamespaceOptions(NamespaceMode.NODE, NamespaceMode.POD, NamespaceMode.POD, "");

    @TempDir
    Path dir;
    Path root;
    Path state;
    final List<PodSandboxController> controllers = new ArrayList<>();

    @BeforeAll
    static void requireRoot() {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root");
    }

    @BeforeEach
    void dirs() {
        root = dir.resolve("root");
        state = dir.resolve("state");
    }

    @AfterEach
    void cleanUp() {
        for (PodSandboxController c : controllers) {
            try {
                for (SandboxStatus s : c.list()) {
                    c.shutdown(s.id());
                }
            } catch (RuntimeException e) {
                // the sweep and assertions below deal with what is left
            }
            c.close();
        }
        List<Long> left = holderProcesses();
        for (long pid : left) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly); // ours: only these tests use the marker
        }
        Mounts mounts = new Mounts();
        List<Path> mounted = mounts.mountPoints().stream().filter(m -> m.startsWith(dir)).toList();
        for (Path m : mounted) {
            mounts.unmountAll(m);
        }
        assertThat(left).as("holder processes left behind").isEmpty();
        assertThat(mounted).as("mounts left behind").isEmpty();
    }

    @Test
    void aSharedPidPodGetsAHolderThatIsPid1AndReapsOrphans() throws Exception {
        PodSandboxController c = controller();
        c.create(pod("pidt-1", "shared").namespaceOptions(SHARED_PID).build());
        SandboxInfo info = c.start("pidt-1");
        long pid = info.pid();
        assertThat(pid).isPositive();
        assertThat(cmdline(pid)).endsWith("\0berth-infra-pidt-1\0").startsWith("/bin/sh\0");

        SandboxStatus st = c.status("pidt-1", true);
        assertThat(st.state()).isEqualTo(SandboxState.READY);
        String pidns = "/proc/" + pid + "/ns/pid";
        assertThat(st.info()).containsEntry(SandboxStatus.INFO_PID_NS, pidns)
                .containsEntry(PodSandboxController.INFO_INFRA_PID, Long.toString(pid));
        assertThat(c.status("pidt-1", false).info()).doesNotContainKey(PodSandboxController.INFO_INFRA_PID);
        assertThat(Files.readSymbolicLink(Path.of(pidns)))
                .isNotEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns/pid")));
        // It joined the pod's pinned IPC namespace, and kept the host's network (host-network pod).
        assertThat(nsInode(pid, "ipc")).isEqualTo(Files.getAttribute(state.resolve("ipcns/pidt-1"), "unix:ino"));
        assertThat(Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "ns", "net")))
                .isEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns/net")));
        // Nothing of it is tied to us: own session, stdio on /dev/null.
        assertThat(Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "fd", "1")).toString())
                .isEqualTo("/dev/null");
        assertThat(ProcessHandle.current().pid()).isNotEqualTo(session(pid));

        // A process entering the namespace is not pid 1 there: the holder is.
        var entered = sh("nsenter", "--pid=" + pidns, "sh", "-c",
                "echo $$; sleep 4711 </dev/null >/dev/null 2>&1 & exit 0");
        assertThat(entered.ok()).as(entered.message()).isTrue();
        int innerPid = Integer.parseInt(entered.stdout().strip());
        assertThat(innerPid).isBetween(2, 1000);
        // Its orphaned sleep was adopted by the holder, which reaps it once killed: no zombie stays.
        long orphan = childRunning(pid, "sleep\0" + "4711");
        ProcessHandle.of(orphan).orElseThrow().destroyForcibly();
        assertThat(eventuallyGone(orphan)).as("orphan %d reaped (state %s)", orphan, procState(orphan)).isTrue();
        assertThat(c.status("pidt-1", false).info()).containsEntry(SandboxStatus.INFO_PID_NS, pidns);

        // Stop kills the holder and everything in its namespace.
        var stillIn = sh("nsenter", "--pid=" + pidns, "sh", "-c", "sleep 4712 </dev/null >/dev/null 2>&1 & exit 0");
        assertThat(stillIn.ok()).isTrue();
        long second = childRunning(pid, "sleep\0" + "4712");
        c.stop("pidt-1", Duration.ofSeconds(5));
        assertThat(eventuallyGone(pid)).as("holder reaped").isTrue();
        assertThat(eventuallyGone(second)).as("process in its namespace killed").isTrue();
        SandboxStatus stopped = c.status("pidt-1", true);
        assertThat(stopped.info()).doesNotContainKeys(SandboxStatus.INFO_PID_NS, PodSandboxController.INFO_INFRA_PID);
        assertThat(holderProcesses()).isEmpty();
        c.stop("pidt-1", Duration.ZERO); // idempotent
        c.shutdown("pidt-1");
    }

    @Test
    void shutdownOfARunningSharedPidPodKillsItsHolder() throws Exception {
        PodSandboxController c = controller();
        c.create(pod("pidt-2", "shut").namespaceOptions(SHARED_PID).build());
        long pid = c.start("pidt-2").pid();
        assertThat(c.start("pidt-2").pid()).isEqualTo(pid); // start of a ready sandbox returns it
        c.shutdown("pidt-2");
        assertThat(eventuallyGone(pid)).isTrue();
        assertThat(holderProcesses()).isEmpty();
        assertThat(c.list()).isEmpty();
    }

    @Test
    void podsWithContainerOrNodePidHaveNoProcess() throws Exception {
        PodSandboxController c = controller();
        c.create(pod("pidt-3", "percontainer")
                .namespaceOptions(new NamespaceOptions(NamespaceMode.NODE, NamespaceMode.CONTAINER, NamespaceMode.POD, ""))
                .build());
        c.create(pod("pidt-4", "hostpid")
                .namespaceOptions(new NamespaceOptions(NamespaceMode.NODE, NamespaceMode.NODE, NamespaceMode.NODE, ""))
                .build());
        for (String id : List.of("pidt-3", "pidt-4")) {
            assertThat(c.start(id).pid()).isZero();
            SandboxStatus st = c.status(id, true);
            assertThat(st.state()).isEqualTo(SandboxState.READY);
            assertThat(st.info()).doesNotContainKeys(SandboxStatus.INFO_PID_NS, PodSandboxController.INFO_INFRA_PID);
        }
        assertThat(holderProcesses()).isEmpty();
    }

    @Test
    void aRestartKeepsALiveHolderAndMarksAPodWhoseHolderDiedNotReady() throws Exception {
        PodSandboxController first = controller();
        first.create(pod("pidt-5", "kept").namespaceOptions(SHARED_PID).build());
        long kept = first.start("pidt-5").pid();
        first.create(pod("pidt-6", "lost").namespaceOptions(SHARED_PID).build());
        long lost = first.start("pidt-6").pid();
        first.close();
        controllers.remove(first);

        ProcessHandle.of(lost).orElseThrow().destroyForcibly();
        assertThat(eventuallyGone(lost)).isTrue();

        PodSandboxController second = controller();
        SandboxStatus keptStatus = second.status("pidt-5", true);
        assertThat(keptStatus.state()).isEqualTo(SandboxState.READY);
        assertThat(keptStatus.info()).containsEntry(SandboxStatus.INFO_PID_NS, "/proc/" + kept + "/ns/pid")
                .containsEntry(PodSandboxController.INFO_INFRA_PID, Long.toString(kept));
        assertThat(cmdline(kept)).endsWith("\0berth-infra-pidt-5\0");

        SandboxStatus lostStatus = second.status("pidt-6", true);
        assertThat(lostStatus.state()).isEqualTo(SandboxState.NOTREADY);
        assertThat(lostStatus.info()).doesNotContainKeys(SandboxStatus.INFO_PID_NS, PodSandboxController.INFO_INFRA_PID);
        assertThat(state.resolve("ipcns/pidt-6")).doesNotExist(); // the rest of it released as well

        second.stop("pidt-5", Duration.ZERO);
        assertThat(eventuallyGone(kept)).isTrue();
        assertThat(holderProcesses()).isEmpty();
    }

    @Test
    void aHolderStartedByADaemonThatDiedMidStartIsKilledAtStartup() throws Exception {
        PodSandboxController first = controller();
        first.create(pod("pidt-7", "crashed").namespaceOptions(SHARED_PID).build());
        first.close();
        controllers.remove(first);
        // As if the daemon died after launching the holder but before recording its pid.
        PidNamespaceHolders holders = new PidNamespaceHolders(Duration.ofSeconds(10), Duration.ofSeconds(10));
        long orphan = holders.start("pidt-7", null, null, null);
        try (SandboxStore store = new SandboxStore(root.resolve("sandboxes.db"))) {
            store.put(store.get("pidt-7").withPhase(SandboxRecord.Phase.STARTING));
        }

        PodSandboxController second = controller();
        assertThat(eventuallyGone(orphan)).isTrue();
        assertThat(holderProcesses()).isEmpty();
        assertThat(second.status("pidt-7", false).state()).isEqualTo(SandboxState.NOTREADY);
    }

    @Test
    void aHolderThatCannotStartLeavesNothingRunning() {
        PidNamespaceHolders holders = new PidNamespaceHolders(Duration.ofSeconds(10), Duration.ofSeconds(10));
        assertThatThrownBy(() -> holders.start("pidt-8", null, dir.resolve("no-such-ipcns"), null))
                .isInstanceOf(BerthException.class).hasMessageContaining("exited with code")
                .extracting(e -> ((BerthException) e).kind()).isEqualTo(ErrorKind.INTERNAL);
        assertThat(holderProcesses()).isEmpty();
        assertThat(holders.isAlive(ProcessHandle.current().pid(), "pidt-8")).isFalse();
    }

    // ------------------------------------------------------------------ helpers

    private PodSandboxController controller() throws IOException {
        PodSandboxController c = new PodSandboxController(root, state,
                new PodSandboxSettings(dir.resolve("net.d"), List.of(PodSandboxControllerTest.CNI_BIN),
                        Duration.ofSeconds(30), 64L << 20));
        controllers.add(c);
        return c;
    }

    private static SandboxConfig.Builder pod(String id, String name) {
        return SandboxConfig.builder(id).metadata(name, "default", "uid-" + name, 0);
    }

    /** Pids of processes carrying a holder marker (zombies have no command line, so do not count). */
    static List<Long> holderProcesses() {
        var r = sh("pgrep", "-f", PidNamespaceHolders.MARKER_PREFIX);
        return r.stdout().lines().map(String::strip).filter(s -> !s.isEmpty()).map(Long::parseLong).toList();
    }

    static String cmdline(long pid) throws IOException {
        return Files.readString(Path.of("/proc", Long.toString(pid), "cmdline"));
    }

    static Object nsInode(long pid, String kind) throws IOException {
        String link = Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "ns", kind)).toString();
        return Long.parseLong(link.substring(link.indexOf('[') + 1, link.indexOf(']')));
    }

    private static long session(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[3]);
    }

    private static String procState(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
        } catch (IOException e) {
            return "gone";
        }
    }

    /** The child of {@code parent} whose command line starts with {@code argvPrefix}, waiting briefly for it. */
    private static long childRunning(long parent, String argvPrefix) throws Exception {
        Path children = Path.of("/proc", Long.toString(parent), "task", Long.toString(parent), "children");
        for (int i = 0; i < 200; i++) {
            for (String s : Files.readString(children).trim().split("\\s+")) {
                if (!s.isEmpty() && cmdlineOrEmpty(Long.parseLong(s)).startsWith(argvPrefix)) {
                    return Long.parseLong(s);
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no child " + argvPrefix.replace('\0', ' ') + " of " + parent);
    }

    private static String cmdlineOrEmpty(long pid) {
        try {
            return cmdline(pid);
        } catch (IOException e) {
            return "";
        }
    }

    /** Whether {@code pid} vanished from /proc entirely (reaped, not a zombie) within five seconds. */
    private static boolean eventuallyGone(long pid) throws InterruptedException {
        for (int i = 0; i < 500; i++) {
            if (!Files.exists(Path.of("/proc", Long.toString(pid)))) {
                return true;
            }
            Thread.sleep(10);
        }
        return false;
    }
}
