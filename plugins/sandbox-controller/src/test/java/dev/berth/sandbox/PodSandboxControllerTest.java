package dev.berth.sandbox;

import dev.berth.core.process.ProcessRunner;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.sandbox.DnsConfig;
import dev.berth.core.sandbox.NamespaceMode;
import dev.berth.core.sandbox.NamespaceOptions;
import dev.berth.core.sandbox.SandboxConfig;
import dev.berth.core.sandbox.SandboxState;
import dev.berth.core.sandbox.SandboxStatus;
import dev.berth.core.sandbox.UserNamespace;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real namespaces and real CNI plugins (Debian's containernetworking-plugins in /usr/lib/cni), as root. Every test
 * uses the bridge {@value #BRIDGE} on {@value #SUBNET} with host-local IPAM data in its temp dir, no masquerading
 * and no portmap, so the only host changes are the bridge (deleted after each test) and ip_forward (restored).
 */
class PodSandboxControllerTest {
    static final String BRIDGE = "berthtest0";
    static final String SUBNET = "10.231.0.0/24";
    static final Path CNI_BIN = Path.of("/usr/lib/cni");
    private static final ProcessRunner RUN = new ProcessRunner();
    private static final List<Path> USED_DIRS = new ArrayList<>();
    private static String ipForward;

    @TempDir
    Path dir;
    Path root;
    Path state;
    Path confDir;
    Path ipamDir;
    Path fakeBin;
    final List<PodSandboxController> controllers = new ArrayList<>();

    @BeforeAll
    static void requireRootAndCni() throws IOException {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root");
        assumeTrue(Files.isExecutable(CNI_BIN.resolve("bridge")), "needs CNI plugins in " + CNI_BIN);
        assertThat(sh("ip", "route").stdout()).as("test subnet must be unused").doesNotContain("10.231.0.");
        ipForward = Files.readString(Path.of("/proc/sys/net/ipv4/ip_forward")).strip();
    }

    @BeforeEach
    void dirs() throws IOException {
        USED_DIRS.add(dir);
        root = dir.resolve("root");
        state = dir.resolve("state");
        confDir = Files.createDirectories(dir.resolve("net.d"));
        ipamDir = dir.resolve("ipam");
        fakeBin = Files.createDirectories(dir.resolve("bin"));
    }

    @AfterEach
    void cleanUp() throws IOException {
        for (PodSandboxController c : controllers) {
            try {
                for (SandboxStatus s : c.list()) {
                    c.shutdown(s.id());
                }
            } catch (RuntimeException e) {
                // the assertions below and the unmount sweep deal with what is left
            }
            c.close();
        }
        // Whatever a failed test left mounted under its dir.
        Mounts mounts = new Mounts();
        for (Path m : mounts.mountPoints()) {
            if (m.startsWith(dir)) {
                mounts.unmountAll(m);
            }
        }
        if (sh("ip", "link", "show", BRIDGE).ok()) {
            sh("ip", "link", "del", BRIDGE);
        }
        Files.writeString(Path.of("/proc/sys/net/ipv4/ip_forward"), ipForward);
    }

    @AfterAll
    static void nothingLeftOnTheHost() throws IOException {
        if (ipForward == null) {
            return;
        }
        assertThat(sh("ip", "-o", "link").stdout()).doesNotContain("berthtest");
        assertThat(SharedPidNamespaceTest.holderProcesses()).as("holder processes left").isEmpty();
        List<Path> mounted = new Mounts().mountPoints().stream()
                .filter(m -> USED_DIRS.stream().anyMatch(m::startsWith)).toList();
        assertThat(mounted).isEmpty();
        assertThat(Files.readString(Path.of("/proc/sys/net/ipv4/ip_forward")).strip()).isEqualTo(ipForward);
    }

    // ------------------------------------------------------------------ tests

    @Test
    void startPutsThePodIntoItsOwnNetworkedNamespacesAndStopReleasesThem() throws Exception {
        writeConflist("10-berthtest.conflist", bridgePlugin() + ", {\"type\": \"loopback\"}");
        PodSandboxController c = controller();
        SandboxConfig cfg = pod("sb1", "web").hostname("web-0")
                .dns(new DnsConfig(List.of("10.96.0.10"), List.of("default.svc.cluster.local"), List.of("ndots:5")))
                .build();
        c.create(cfg);
        assertThat(c.status("sb1", false).state()).isEqualTo(SandboxState.NOTREADY);

        var info = c.start("sb1");
        Path netns = state.resolve("netns/sb1");
        assertThat(info.netnsPath()).isEqualTo(netns.toString());
        assertThat(netns).exists();

        SandboxStatus st = c.status("sb1", true);
        assertThat(st.state()).isEqualTo(SandboxState.READY);
        assertThat(st.ip()).startsWith("10.231.0.");
        assertThat(st.netnsPath()).isEqualTo(netns.toString());
        assertThat(st.info()).containsKey(SandboxStatus.INFO_CNI_RESULT);
        assertThat(sh("nsenter", "--net=" + netns, "ip", "-4", "addr", "show", "eth0").stdout())
                .contains("inet " + st.ip() + "/24");
        assertThat(sh("nsenter", "--net=" + netns, "ip", "-o", "link", "show", "lo").stdout()).contains(",UP");
        assertThat(sh("nsenter", "--uts=" + st.info().get(SandboxStatus.INFO_UTS_NS), "hostname").stdout().strip())
                .isEqualTo("web-0");
        // The host reaches the pod through the bridge gateway, if ping is installed.
        if (sh("sh", "-c", "command -v ping").ok()) {
            assertThat(sh("ping", "-c1", "-W2", st.ip()).ok()).isTrue();
        }
        Path sbDir = state.resolve("sandboxes/sb1");
        assertThat(Files.readString(sbDir.resolve("hostname"))).isEqualTo("web-0\n");
        assertThat(Files.readString(sbDir.resolve("resolv.conf"))).isEqualTo(
                "search default.svc.cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n");
        assertThat(Files.readString(sbDir.resolve("hosts"))).contains("127.0.0.1\tlocalhost")
                .contains(st.ip() + "\tweb-0");
        assertThat(sh("findmnt", "-n", "-o", "FSTYPE,OPTIONS", sbDir.resolve("shm").toString()).stdout())
                .startsWith("tmpfs").contains("size=65536k");
        assertThat(ipamAllocations()).containsExactly(st.ip());

        c.stop("sb1", Duration.ofSeconds(5));
        SandboxStatus stopped = c.status("sb1", false);
        assertThat(stopped.state()).isEqualTo(SandboxState.NOTREADY);
        assertThat(stopped.ip()).isEmpty();
        assertThat(ipamAllocations()).isEmpty();
        assertThat(netns).doesNotExist();
        assertThat(new Mounts().isMountPoint(sbDir.resolve("shm"))).isFalse();
        assertThatThrownBy(() -> c.start("sb1")).isInstanceOf(BerthException.class)
                .extracting(e -> ((BerthException) e).kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION);

        c.stop("sb1", Duration.ofSeconds(5)); // idempotent
        assertThat(c.wait("sb1").exitStatus()).isZero();
        c.shutdown("sb1");
        c.shutdown("sb1"); // idempotent
        c.shutdown("never-existed");
        assertThat(c.list()).isEmpty();
        assertThat(sbDir).doesNotExist();
        assertThat(state.resolve("utsns/sb1")).doesNotExist();
        assertThat(state.resolve("ipcns/sb1")).doesNotExist();
        assertThatThrownBy(() -> c.status("sb1", false)).isInstanceOf(BerthException.class)
                .extracting(e -> ((BerthException) e).kind()).isEqualTo(ErrorKind.NOT_FOUND);
    }

    /**
     * Without a hostname the pod's name becomes it, cut to what the kernel takes: 63 bytes, not characters (a name of
     * 4-byte characters was refused by sethostname and failed RunPodSandbox as INTERNAL; CriFuzzIT found it).
     */
    @Test
    void aPodNameOfWideCharactersBecomesAHostNameTheKernelTakes() throws Exception {
        writeConflist("10-berthtest.conflist", bridgePlugin() + ", {\"type\": \"loopback\"}");
        PodSandboxController c = controller();
        String name = "\uD841\uDF0E".repeat(27); // 27 four-byte code points: 108 bytes
        c.create(pod("sbw", name).build());
        c.start("sbw");
        String expected = "\uD841\uDF0E".repeat(15); // 60 bytes; one more would be 64 > 63
        assertThat(Files.readString(state.resolve("sandboxes/sbw/hostname"), StandardCharsets.UTF_8))
                .isEqualTo(expected + "\n");
        assertThat(sh("nsenter", "--uts=" + c.status("sbw", false).info().get(SandboxStatus.INFO_UTS_NS), "hostname")
                .stdout().strip()).isEqualTo(expected);
        c.stop("sbw", Duration.ofSeconds(5));
        assertThat(PodSandboxController.utf8Prefix("abc", 2)).isEqualTo("ab");
        assertThat(PodSandboxController.utf8Prefix("a\u00e9b", 2)).as("é is 2 bytes: not split").isEqualTo("a");
    }

    /**
     * A pod with its own user namespace: its network, UTS and IPC namespaces (and the pid namespace of its holder)
     * belong to that namespace — joining the user namespace first and then them works only then —, the holder runs as
     * the mapped uid, the pod's files are its root's, and stop releases everything.
     */
    @Test
    void aUserNamespacePodOwnsItsNamespacesAndItsFiles() throws Exception {
        writeConflist("10-berthtest.conflist", bridgePlugin() + ", {\"type\": \"loopback\"}");
        PodSandboxController c = controller();
        long base = 0x40000;
        UserNamespace ids = new UserNamespace(List.of(new UserNamespace.IdMapping(0, base, 65536)),
                List.of(new UserNamespace.IdMapping(0, base, 65536)));
        c.create(pod("sbu", "userns").hostname("userns-0").namespaceOptions(new NamespaceOptions(NamespaceMode.POD,
                NamespaceMode.POD, NamespaceMode.POD, "", ids)).build());
        long pid = c.start("sbu").pid();
        SandboxStatus st = c.status("sbu", false);
        Path userns = state.resolve("userns/sbu");
        assertThat(st.info()).containsEntry(SandboxStatus.INFO_USER_NS, userns.toString());
        assertThat(sh("nsenter", "--user=" + userns, "cat", "/proc/self/uid_map").stdout().strip())
                .matches("0\\s+" + base + "\\s+65536");
        var inside = sh("nsenter", "--user=" + userns, "--net=" + st.netnsPath(), "--uts=" + st.info().get(
                SandboxStatus.INFO_UTS_NS), "--ipc=" + st.info().get(SandboxStatus.INFO_IPC_NS), "sh", "-c",
                "hostname; ip -4 -o addr show eth0");
        assertThat(inside.ok()).as("the pod's namespaces belong to its user namespace: %s", inside.stderr()).isTrue();
        assertThat(inside.stdout()).startsWith("userns-0\n").contains("inet " + st.ip() + "/24");
        assertThat(Files.readAllLines(Path.of("/proc/" + pid + "/status"))).as("the holder runs as the pod's root")
                .anySatisfy(l -> assertThat(l).startsWith("Uid:\t" + base + "\t"));
        assertThat(Files.getAttribute(state.resolve("sandboxes/sbu/hosts"), "unix:uid")).isEqualTo((int) base);
        assertThat(Files.getAttribute(state.resolve("sandboxes/sbu/shm"), "unix:uid")).isEqualTo((int) base);

        c.stop("sbu", Duration.ofSeconds(5));
        assertThat(userns).doesNotExist();
        assertThat(SharedPidNamespaceTest.holderProcesses()).isEmpty();
        assertNothingHeldFor("sbu");

        assertThatThrownBy(() -> c.create(pod("sbh", "hostnet").namespaceOptions(new NamespaceOptions(NamespaceMode.NODE,
                NamespaceMode.CONTAINER, NamespaceMode.POD, "", ids)).build()))
                .hasMessageContaining("cannot use the host's network, IPC or pid namespace");
    }

    @Test
    void aSharedPidPodsHolderLivesInThePodsNetworkUtsAndIpcNamespaces() throws Exception {
        writeConflist("10-berthtest.conflist", bridgePlugin() + ", {\"type\": \"loopback\"}");
        PodSandboxController c = controller();
        c.create(pod("sbp", "sharedpid").hostname("shared-0")
                .namespaceOptions(new NamespaceOptions(NamespaceMode.POD, NamespaceMode.POD, NamespaceMode.POD, ""))
                .build());
        long pid = c.start("sbp").pid();
        assertThat(pid).isPositive();
        SandboxStatus st = c.status("sbp", false);
        assertThat(st.info()).containsEntry(SandboxStatus.INFO_PID_NS, "/proc/" + pid + "/ns/pid");
        for (String kind : List.of("net", "uts", "ipc")) {
            assertThat(SharedPidNamespaceTest.nsInode(pid, kind)).as(kind)
                    .isEqualTo(Files.getAttribute(state.resolve(kind + "ns/sbp"), "unix:ino"));
        }
        // Tools entering through the holder see the pod's network and hostname.
        var seen = sh("nsenter", "-t", Long.toString(pid), "--net", "--uts", "sh", "-c", "hostname; ip -4 -o addr show eth0");
        assertThat(seen.stdout()).startsWith("shared-0\n").contains("inet " + st.ip() + "/24");
        c.stop("sbp", Duration.ofSeconds(5));
        assertThat(SharedPidNamespaceTest.holderProcesses()).isEmpty();
        assertThat(ipamAllocations()).isEmpty();
        assertNothingHeldFor("sbp");
    }

    @Test
    void shutdownOfARunningSandboxReleasesEverything() throws Exception {
        writeConflist("10-berthtest.conflist", bridgePlugin());
        PodSandboxController c = controller();
        c.create(pod("sb2", "api").build());
        c.start("sb2");
        assertThat(c.start("sb2").netnsPath()).isNotEmpty(); // start of a ready sandbox returns it
        assertThat(ipamAllocations()).hasSize(1);
        c.shutdown("sb2");
        assertThat(ipamAllocations()).isEmpty();
        assertThat(state.resolve("netns/sb2")).doesNotExist();
        assertThat(state.resolve("sandboxes/sb2")).doesNotExist();
        assertThat(leftoverMounts()).isEmpty();
    }

    @Test
    void resolvConfComesFromTheHostWithoutDnsConfig() throws Exception {
        writeConflist("10-berthtest.conflist", bridgePlugin());
        Path hostResolv = Files.writeString(dir.resolve("host-resolv.conf"), "nameserver 192.0.2.53\n");
        PodSandboxController c = track(new PodSandboxController(root, state, settings(CNI_BIN),
                new SandboxFiles(Path.of("/etc/hosts"), hostResolv), java.time.Clock.systemUTC()));
        c.create(pod("sb3", "dns").build());
        c.start("sb3");
        assertThat(Files.readString(state.resolve("sandboxes/sb3/resolv.conf"))).isEqualTo("nameserver 192.0.2.53\n");
        assertThat(Files.readString(state.resolve("sandboxes/sb3/hostname"))).isEqualTo("dns\n");
    }

    @Test
    void aMissingSecondPluginRollsBackTheFirst() throws Exception {
        writeConflist("10-berthtest.conflist", bridgePlugin() + ", {\"type\": \"berth-no-such-plugin\"}");
        PodSandboxController c = controller();
        c.create(pod("sb4", "broken").build());
        assertThatThrownBy(() -> c.start("sb4")).isInstanceOf(BerthException.class)
                .hasMessageContaining("berth-no-such-plugin").hasMessageContaining("not found");
        assertNothingHeldFor("sb4");
        assertThat(c.status("sb4", false).state()).isEqualTo(SandboxState.NOTREADY);
        c.shutdown("sb4");
        assertThat(c.list()).isEmpty();
    }

    @Test
    void aFailingPluginsMessageReachesTheCallerAndNothingStays() throws Exception {
        Path failing = fakeBin.resolve("berth-failing");
        Files.writeString(failing, "#!/bin/sh\ncat >/dev/null\n"
                + "if [ \"$CNI_COMMAND\" = ADD ]; then\n"
                + "  echo '{\"cniVersion\":\"1.0.0\",\"code\":11,\"msg\":\"berth test failure\",\"details\":\"on purpose\"}'\n"
                + "  echo 'some stderr' >&2\n  exit 1\nfi\nexit 0\n");
        Files.setPosixFilePermissions(failing, PosixFilePermissions.fromString("rwxr-xr-x"));
        writeConflist("10-berthtest.conflist", bridgePlugin() + ", {\"type\": \"loopback\"}, {\"type\": \"berth-failing\"}");
        PodSandboxController c = track(new PodSandboxController(root, state, settings(fakeBin, CNI_BIN)));
        c.create(pod("sb5", "failing").build());
        assertThatThrownBy(() -> c.start("sb5")).isInstanceOf(BerthException.class)
                .hasMessageContaining("berth-failing").hasMessageContaining("berth test failure: on purpose")
                .hasMessageContaining("some stderr");
        assertNothingHeldFor("sb5");
    }

    @Test
    void aCancelledStartStillReleasesItsAddressAndNamespaces() throws Exception {
        Path slow = fakeBin.resolve("berth-slow");
        Files.writeString(slow, "#!/bin/sh\ncat >/dev/null\n[ \"$CNI_COMMAND\" = ADD ] && exec sleep 30\nexit 0\n");
        Files.setPosixFilePermissions(slow, PosixFilePermissions.fromString("rwxr-xr-x"));
        writeConflist("10-berthtest.conflist", bridgePlugin() + ", {\"type\": \"berth-slow\"}");
        PodSandboxController c = track(new PodSandboxController(root, state, settings(fakeBin, CNI_BIN)));
        c.create(pod("sb8", "cancelled").build());
        CompletableFuture<Throwable> failure = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                c.start("sb8");
                failure.complete(null);
            } catch (Throwable e) {
                failure.complete(e);
            }
        });
        t.start();
        for (int i = 0; i < 100 && ipamAllocations().isEmpty(); i++) {
            Thread.sleep(50); // wait until bridge has taken an address and berth-slow runs
        }
        assertThat(ipamAllocations()).hasSize(1);
        t.interrupt();
        t.join(20_000);
        assertThat(failure.get()).isInstanceOf(BerthException.class)
                .extracting(e -> ((BerthException) e).kind()).isEqualTo(ErrorKind.CANCELLED);
        assertNothingHeldFor("sb8");
    }

    @Test
    void podSysctlsAreWrittenIntoThePodsOwnNamespacesAndHostWideOnesRefused() throws Exception {
        writeConflist("10-berthtest.conflist", bridgePlugin() + ", {\"type\": \"loopback\"}");
        PodSandboxController c = controller();
        String hostPorts = Files.readString(Path.of("/proc/sys/net/ipv4/ip_unprivileged_port_start")).strip();
        c.create(pod("sbs", "tuned").sysctl("net.ipv4.ip_unprivileged_port_start", "80").sysctl("kernel/shmmni", "1234").build());
        c.start("sbs");
        assertThat(sh("nsenter", "--net=" + state.resolve("netns/sbs"), "cat", "/proc/sys/net/ipv4/ip_unprivileged_port_start")
                .stdout().strip()).isEqualTo("80");
        assertThat(sh("nsenter", "--ipc=" + state.resolve("ipcns/sbs"), "cat", "/proc/sys/kernel/shmmni").stdout().strip())
                .isEqualTo("1234");
        assertThat(Files.readString(Path.of("/proc/sys/net/ipv4/ip_unprivileged_port_start")).strip())
                .as("the host's value").isEqualTo(hostPorts);
        c.stop("sbs", Duration.ZERO);
        c.shutdown("sbs");

        assertThatThrownBy(() -> c.create(pod("sbt", "panic").sysctl("kernel.panic", "1").build()))
                .hasMessageContaining("sysctl kernel.panic is not namespaced")
                .extracting(e -> ((BerthException) e).kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
        assertThatThrownBy(() -> c.create(pod("sbu", "hostnet").namespaceOptions(new NamespaceOptions(NamespaceMode.NODE,
                null, null, null)).sysctl("net.core.somaxconn", "1024").build()))
                .hasMessageContaining("host's network namespace");
        // a value the kernel refuses fails the start, naming the key, and leaves nothing
        c.create(pod("sbv", "refused").sysctl("net.ipv4.ip_unprivileged_port_start", "not-a-number").build());
        assertThatThrownBy(() -> c.start("sbv")).hasMessageContaining("net.ipv4.ip_unprivileged_port_start=not-a-number")
                .extracting(e -> ((BerthException) e).kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
        assertNothingHeldFor("sbv");
    }

    @Test
    void anInvalidHostnameIsRejectedAtCreate() throws Exception {
        PodSandboxController c = controller();
        assertThatThrownBy(() -> c.create(pod("sb9", "h").hostname("bad name!").build()))
                .hasMessageContaining("hostname")
                .extracting(e -> ((BerthException) e).kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
    }

    @Test
    void noNetworkConfigIsAFailedPreconditionAndNetworkNotReady() throws Exception {
        PodSandboxController c = controller();
        assertThat(c.networkReady().ready()).isFalse();
        assertThat(c.networkReady().reason()).isEqualTo("no network config in " + confDir);
        c.create(pod("sb6", "nonet").build());
        assertThatThrownBy(() -> c.start("sb6")).isInstanceOf(BerthException.class)
                .hasMessage("no network config in " + confDir)
                .extracting(e -> ((BerthException) e).kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION);
        assertNothingHeldFor("sb6");

        // A config appearing later is picked up without a restart.
        writeConflist("10-berthtest.conflist", bridgePlugin());
        assertThat(c.networkReady().ready()).isTrue();
        c.start("sb6");
        assertThat(c.status("sb6", false).state()).isEqualTo(SandboxState.READY);
    }

    @Test
    void hostNetworkAndHostIpcPodsNeedNoNetworkConfig() throws Exception {
        PodSandboxController c = controller();
        c.create(pod("sb7", "hostnet")
                .namespaceOptions(new NamespaceOptions(NamespaceMode.NODE, NamespaceMode.NODE, NamespaceMode.NODE, ""))
                .build());
        var info = c.start("sb7");
        assertThat(info.netnsPath()).isEmpty();
        SandboxStatus st = c.status("sb7", false);
        assertThat(st.state()).isEqualTo(SandboxState.READY);
        assertThat(st.ip()).isEmpty();
        assertThat(state.resolve("netns/sb7")).doesNotExist();
        assertThat(state.resolve("ipcns/sb7")).doesNotExist();
        assertThat(st.hostname()).isEqualTo(
                Files.readString(Path.of("/proc/sys/kernel/hostname")).strip());
        assertThat(leftoverMounts()).isEmpty(); // no shm of its own either
        c.stop("sb7", Duration.ZERO);
        c.shutdown("sb7");
    }

    @Test
    void dialReachesAListenerOnThePodsOwnLoopbackNotTheHosts() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/bin/busybox")), "needs /bin/busybox");
        writeConflist("10-berthtest.conflist", bridgePlugin() + ", {\"type\": \"loopback\"}");
        PodSandboxController c = controller();
        c.create(pod("sb9", "forward").build());
        assertThatThrownBy(() -> c.dial("sb9", 18099)).isInstanceOf(BerthException.class)
                .extracting(e -> ((BerthException) e).kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION);
        c.start("sb9");
        Path netns = state.resolve("netns/sb9");
        assertThatThrownBy(() -> c.dial("sb9", 18099)).isInstanceOf(BerthException.class)
                .extracting(e -> ((BerthException) e).kind()).isEqualTo(ErrorKind.UNAVAILABLE);
        assertThatThrownBy(() -> c.dial("sb9", 0)).isInstanceOf(BerthException.class)
                .extracting(e -> ((BerthException) e).kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
        Process nc = new ProcessBuilder("nsenter", "--net=" + netns, "/bin/busybox", "nc", "-l", "-p", "18099")
                .redirectErrorStream(true).start();
        try {
            java.nio.channels.SocketChannel ch = null;
            for (long end = System.nanoTime() + 5_000_000_000L; ch == null && System.nanoTime() < end; ) {
                try {
                    ch = c.dial("sb9", 18099);
                } catch (BerthException e) {
                    Thread.sleep(50); // nc not listening yet
                }
            }
            assertThat(ch).as("connected within 5 s").isNotNull();
            try (java.nio.channels.SocketChannel connected = ch) {
                connected.write(java.nio.ByteBuffer.wrap("through the pod's loopback\n".getBytes(StandardCharsets.UTF_8)));
            }
            assertThat(nc.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(new String(nc.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                    .isEqualTo("through the pod's loopback\n");
        } finally {
            nc.destroyForcibly().waitFor();
        }
        assertThatThrownBy(() -> c.dial("nope", 80)).isInstanceOf(BerthException.class)
                .extracting(e -> ((BerthException) e).kind()).isEqualTo(ErrorKind.NOT_FOUND);
        c.stop("sb9", Duration.ZERO);
        c.shutdown("sb9");
    }

    @Test
    void badInputAndDuplicatesAreRejected() throws Exception {
        PodSandboxController c = controller();
        assertThatThrownBy(() -> c.create(SandboxConfig.builder("x1").metadata("", "ns", "u", 0).build()))
                .hasMessageContaining("metadata.name")
                .extracting(e -> ((BerthException) e).kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
        assertThatThrownBy(() -> c.create(SandboxConfig.builder("../x").metadata("n", "ns", "u", 0).build()))
                .extracting(e -> ((BerthException) e).kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
        c.create(pod("dup1", "same").build());
        assertThatThrownBy(() -> c.create(pod("dup1", "other").build()))
                .extracting(e -> ((BerthException) e).kind()).isEqualTo(ErrorKind.ALREADY_EXISTS);
        assertThatThrownBy(() -> c.create(pod("dup2", "same").build())).hasMessageContaining("dup1")
                .extracting(e -> ((BerthException) e).kind()).isEqualTo(ErrorKind.ALREADY_EXISTS);
    }

    @Test
    void concurrentStartsOfDifferentSandboxesGetDifferentAddresses() throws Exception {
        writeConflist("10-berthtest.conflist", bridgePlugin() + ", {\"type\": \"loopback\"}");
        PodSandboxController c = controller();
        List<CompletableFuture<String>> runs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            String id = "cc" + i;
            runs.add(CompletableFuture.supplyAsync(() -> {
                c.create(pod(id, "pod-" + id).build());
                c.start(id);
                return c.status(id, false).ip();
            }));
        }
        List<String> ips = runs.stream().map(CompletableFuture::join).toList();
        assertThat(ips).doesNotHaveDuplicates().allMatch(ip -> ip.startsWith("10.231.0."));
        assertThat(ipamAllocations()).containsExactlyInAnyOrderElementsOf(ips);
        for (int i = 0; i < 6; i++) {
            c.shutdown("cc" + i);
        }
        assertThat(ipamAllocations()).isEmpty();
        assertThat(leftoverMounts()).isEmpty();
    }

    @Test
    void recordsSurviveARestartAndARebootIsCleanedUp() throws Exception {
        writeConflist("10-berthtest.conflist", bridgePlugin());
        PodSandboxController first = controller();
        first.create(pod("p1", "keep").build());
        first.start("p1");
        first.create(pod("p2", "lost").build());
        first.start("p2");
        first.create(pod("p3", "created").build());
        String ip1 = first.status("p1", false).ip();
        first.close();
        controllers.remove(first);

        // As after a reboot for p2: its namespaces and shm are gone, /run emptied.
        Mounts mounts = new Mounts();
        mounts.unmountAndDelete(state.resolve("netns/p2"));
        mounts.unmountAndDelete(state.resolve("utsns/p2"));
        mounts.unmountAndDelete(state.resolve("ipcns/p2"));
        mounts.unmountAll(state.resolve("sandboxes/p2/shm"));

        PodSandboxController second = controller();
        assertThat(second.list()).extracting(SandboxStatus::id).containsExactly("p1", "p2", "p3");
        assertThat(second.status("p1", false).state()).isEqualTo(SandboxState.READY);
        assertThat(second.status("p1", false).ip()).isEqualTo(ip1);
        assertThat(second.status("p1", false).config().name()).isEqualTo("keep");
        assertThat(second.status("p2", false).state()).isEqualTo(SandboxState.NOTREADY);
        assertThat(second.status("p3", false).state()).isEqualTo(SandboxState.NOTREADY);
        assertThat(ipamAllocations()).containsExactly(ip1); // p2's address released by DEL without a netns
        second.stop("p2", Duration.ZERO);
        second.start("p3");
        assertThat(second.status("p3", false).state()).isEqualTo(SandboxState.READY);
    }

    // ------------------------------------------------------------------ helpers

    private PodSandboxController controller() throws IOException {
        return track(new PodSandboxController(root, state, settings(CNI_BIN)));
    }

    private PodSandboxController track(PodSandboxController c) {
        controllers.add(c);
        return c;
    }

    private PodSandboxSettings settings(Path... bins) {
        return new PodSandboxSettings(confDir, List.of(bins), Duration.ofSeconds(30), 64L << 20);
    }

    private static SandboxConfig.Builder pod(String id, String name) {
        return SandboxConfig.builder(id).metadata(name, "default", "uid-" + name, 0);
    }

    private String bridgePlugin() {
        return "{\"type\": \"bridge\", \"bridge\": \"" + BRIDGE + "\", \"isGateway\": true, \"ipMasq\": false,"
                + " \"ipam\": {\"type\": \"host-local\", \"ranges\": [[{\"subnet\": \"" + SUBNET + "\"}]],"
                + " \"dataDir\": \"" + ipamDir + "\", \"routes\": [{\"dst\": \"0.0.0.0/0\"}]}}";
    }

    private void writeConflist(String file, String plugins) throws IOException {
        Files.writeString(confDir.resolve(file),
                "{\"cniVersion\": \"1.0.0\", \"name\": \"berthtest\", \"plugins\": [" + plugins + "]}");
    }

    /** IPs host-local holds a reservation file for. */
    private List<String> ipamAllocations() throws IOException {
        Path net = ipamDir.resolve("berthtest");
        if (!Files.isDirectory(net)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(net)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.matches("\\d+\\.\\d+\\.\\d+\\.\\d+")).toList();
        }
    }

    private List<Path> leftoverMounts() {
        return new Mounts().mountPoints().stream().filter(m -> m.startsWith(dir)).toList();
    }

    private void assertNothingHeldFor(String id) throws IOException {
        assertThat(state.resolve("netns/" + id)).doesNotExist();
        assertThat(state.resolve("utsns/" + id)).doesNotExist();
        assertThat(state.resolve("ipcns/" + id)).doesNotExist();
        assertThat(state.resolve("userns/" + id)).doesNotExist();
        assertThat(ipamAllocations()).isEmpty();
        assertThat(leftoverMounts()).isEmpty();
    }

    static ProcessRunner.Result sh(String... cmd) {
        return RUN.run(List.of(cmd), Map.of(), null, Duration.ofSeconds(30));
    }

    static String read(Path p) throws IOException {
        return Files.readString(p, StandardCharsets.UTF_8);
    }
}
