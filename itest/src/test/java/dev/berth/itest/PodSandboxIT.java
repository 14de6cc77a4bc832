package dev.berth.itest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.api.cri.v1.DNSConfig;
import dev.berth.api.cri.v1.LinuxPodSandboxConfig;
import dev.berth.api.cri.v1.LinuxSandboxSecurityContext;
import dev.berth.api.cri.v1.ListPodSandboxRequest;
import dev.berth.api.cri.v1.NamespaceMode;
import dev.berth.api.cri.v1.NamespaceOption;
import dev.berth.api.cri.v1.PodSandbox;
import dev.berth.api.cri.v1.PodSandboxConfig;
import dev.berth.api.cri.v1.PodSandboxFilter;
import dev.berth.api.cri.v1.PodSandboxMetadata;
import dev.berth.api.cri.v1.PodSandboxState;
import dev.berth.api.cri.v1.PodSandboxStateValue;
import dev.berth.api.cri.v1.PodSandboxStatus;
import dev.berth.api.cri.v1.PodSandboxStatusRequest;
import dev.berth.api.cri.v1.PodSandboxStatusResponse;
import dev.berth.api.cri.v1.RemovePodSandboxRequest;
import dev.berth.api.cri.v1.RunPodSandboxRequest;
import dev.berth.api.cri.v1.RuntimeCondition;
import dev.berth.api.cri.v1.StatusRequest;
import dev.berth.api.cri.v1.StopPodSandboxRequest;
import dev.berth.testing.reliability.Fault;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Pod sandboxes through the CRI of a real berthd with the real pod sandbox controller and Debian's CNI plugins, as
 * root. The network is the bridge {@value #BRIDGE} on {@value #SUBNET} with host-local IPAM data in the test's
 * directory and no masquerading, so the only host changes are the bridge and ip_forward; both are undone after each
 * test, as are sandboxes, mounts and processes, pass or fail.
 */
@ExtendWith(Daemons.class)
class PodSandboxIT {
    static final String BRIDGE = "berthit0";
    static final String SUBNET = "10.233.0.0/24";
    static final String SUBNET_PREFIX = "10.233.0.";
    static final String NETWORK = "berthit";
    static final String CONTROLLER = "io.berth.sandbox.controller.v1.podsandbox";
    static final Path CNI_BIN = Path.of("/usr/lib/cni");

    private final List<Berthd> daemons = new ArrayList<>();
    private Path dir;
    private String ipForward;

    @BeforeAll
    static void requireRootAndCni() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root");
        assumeTrue(Files.isExecutable(CNI_BIN.resolve("bridge")), "needs CNI plugins in " + CNI_BIN);
        assertThat(sh("ip", "route").out()).as("test subnet must be unused").doesNotContain(SUBNET_PREFIX);
        assertThat(sh("ip", "link", "show", BRIDGE).code()).as("bridge " + BRIDGE + " must not exist yet").isNotZero();
    }

    @BeforeEach
    void rememberIpForward() throws IOException {
        ipForward = Files.readString(Path.of("/proc/sys/net/ipv4/ip_forward")).strip();
    }

    // ------------------------------------------------------------------ tests

    @Test
    void podLifecycleWithRealNetworkingSurvivingARestart(Daemons.Session s) throws Exception {
        TestConfig c = networked(s);
        Berthd d = start(s, c);

        Map<String, RuntimeCondition> conditions = conditions(d);
        assertThat(conditions.get("NetworkReady").getStatus()).as(conditions.get("NetworkReady").getMessage()).isTrue();
        assertThat(conditions.get("RuntimeReady").getStatus()).as(conditions.get("RuntimeReady").getMessage()).isTrue();

        String id = d.runtime().runPodSandbox(run(pod("web").putLabels("app", "web").putAnnotations("note", "hello")
                .setHostname("web-0")
                .setDnsConfig(DNSConfig.newBuilder().addServers("10.96.0.10").addSearches("svc.cluster.local")))
                .build()).getPodSandboxId();
        assertThat(id).matches("[0-9a-f]{64}");

        PodSandboxStatus st = status(d, id).getStatus();
        assertThat(st.getId()).isEqualTo(id);
        assertThat(st.getState()).isEqualTo(PodSandboxState.SANDBOX_READY);
        assertThat(st.getMetadata()).isEqualTo(metadata("web"));
        assertThat(st.getLabelsMap()).containsExactly(Map.entry("app", "web"));
        assertThat(st.getAnnotationsMap()).containsExactly(Map.entry("note", "hello"));
        assertThat(st.getRuntimeHandler()).isEqualTo("runc");
        assertThat(st.getCreatedAt()).isGreaterThan(0);
        assertThat(st.getLinux().getNamespaces().getOptions().getNetwork()).isEqualTo(NamespaceMode.POD);
        String ip = st.getNetwork().getIp();
        assertThat(ip).startsWith(SUBNET_PREFIX);
        assertThat(ipamReservations()).containsExactly(ip);

        PodSandboxStatusResponse verbose = d.runtime().podSandboxStatus(PodSandboxStatusRequest.newBuilder()
                .setPodSandboxId(id).setVerbose(true).build());
        assertThat(verbose.getInfoMap().get("info")).contains("\"sandboxer\": \"podsandbox\"", "\"cniResult\"", ip);

        Path netns = netns(c, id);
        assertThat(netns).exists();
        Sh addr = sh("nsenter", "--net=" + netns, "ip", "-4", "addr", "show", "eth0");
        assertThat(addr.code()).as(addr.out()).isZero();
        assertThat(addr.out()).contains("inet " + ip + "/24");

        // a second pod, for the filters
        String other = d.runtime().runPodSandbox(run(pod("api").putLabels("app", "api")).build()).getPodSandboxId();
        assertThat(list(d, PodSandboxFilter.getDefaultInstance())).extracting(PodSandbox::getId).containsExactly(id, other);
        assertThat(list(d, PodSandboxFilter.newBuilder().setId(id.substring(0, 12)).build()))
                .extracting(PodSandbox::getId).containsExactly(id);
        assertThat(list(d, PodSandboxFilter.newBuilder().putLabelSelector("app", "api").build()))
                .extracting(PodSandbox::getId).containsExactly(other);
        PodSandbox listed = list(d, PodSandboxFilter.newBuilder().setId(id).build()).get(0);
        assertThat(listed.getMetadata()).isEqualTo(metadata("web"));
        assertThat(listed.getState()).isEqualTo(PodSandboxState.SANDBOX_READY);
        assertThat(listed.getRuntimeHandler()).isEqualTo("runc");
        d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(other).build());
        assertThat(list(d, stateFilter(PodSandboxState.SANDBOX_READY))).extracting(PodSandbox::getId).containsExactly(id);
        assertThat(list(d, stateFilter(PodSandboxState.SANDBOX_NOTREADY))).extracting(PodSandbox::getId).containsExactly(other);
        d.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(other).build());

        // the daemon goes away and comes back: the pod is still there, with its address
        assertThat(d.terminate()).isZero();
        Berthd again = start(s, c);
        PodSandboxStatus after = status(again, id).getStatus();
        assertThat(after.getState()).isEqualTo(PodSandboxState.SANDBOX_READY);
        assertThat(after.getNetwork().getIp()).isEqualTo(ip);
        assertThat(list(again, PodSandboxFilter.getDefaultInstance())).extracting(PodSandbox::getId).containsExactly(id);

        again.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
        PodSandboxStatus stopped = status(again, id).getStatus();
        assertThat(stopped.getState()).isEqualTo(PodSandboxState.SANDBOX_NOTREADY);
        assertThat(stopped.getNetwork().getIp()).isEmpty();
        assertThat(ipamReservations()).isEmpty();
        again.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build()); // idempotent

        again.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
        assertThatThrownBy(() -> status(again, id)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
            assertThat(e.getStatus().getDescription()).contains(id);
        });
        assertThat(netns).doesNotExist();
        assertThat(list(again, PodSandboxFilter.getDefaultInstance())).isEmpty();
        // both are idempotent on what is gone
        again.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
        again.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
    }

    @Test
    void badRequestsAreRefusedNamingWhatIsWrongAndLeaveNothing(Daemons.Session s) throws Exception {
        TestConfig c = networked(s);
        Berthd d = start(s, c);
        assertThatThrownBy(() -> d.runtime().runPodSandbox(run(pod("web")).setRuntimeHandler("nope").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).isEqualTo("unknown runtime handler \"nope\"; configured: runc");
                });
        PodSandboxConfig.Builder nameless = pod("web");
        nameless.getMetadataBuilder().clearName();
        assertThatThrownBy(() -> d.runtime().runPodSandbox(run(nameless).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).isEqualTo("RunPodSandboxRequest: config.metadata.name is required");
                });
        assertThatThrownBy(() -> d.runtime().podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId("abc").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
        // stopping or removing what never existed: nothing to reclaim, no error
        d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId("abc").build());
        d.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId("abc").build());
        assertThat(list(d, PodSandboxFilter.getDefaultInstance())).isEmpty();
    }

    @Test
    void withoutNetworkConfigNetworkIsNotReadyAndPodsFailCleanly(Daemons.Session s) throws Exception {
        TestConfig c = s.config();
        Path empty = Files.createDirectories(c.dir().resolve("empty-net.d"));
        c.append("[plugins.\"" + CONTROLLER + "\"]\ncni_conf_dir = \"" + empty + "\"\n");
        Berthd d = start(s, c);
        RuntimeCondition network = conditions(d).get("NetworkReady");
        assertThat(network.getStatus()).isFalse();
        assertThat(network.getReason()).isEqualTo("NetworkPluginNotReady");
        assertThat(network.getMessage()).isEqualTo("no network config in " + empty);
        assertThatThrownBy(() -> d.runtime().runPodSandbox(run(pod("web")).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                    assertThat(e.getStatus().getDescription()).contains("no network config in " + empty);
                });
        assertThat(list(d, PodSandboxFilter.getDefaultInstance())).isEmpty();
        assertThat(controllerState(c).resolve("netns")).satisfiesAnyOf(p -> assertThat(p).doesNotExist(),
                p -> assertThat(p).isEmptyDirectory());

        // a host-network pod needs no CNI: it runs, has no pod IP, and goes away
        PodSandboxConfig.Builder host = pod("host").setLinux(LinuxPodSandboxConfig.newBuilder().setSecurityContext(
                LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(NamespaceOption.newBuilder()
                        .setNetwork(NamespaceMode.NODE))));
        String id = d.runtime().runPodSandbox(run(host).build()).getPodSandboxId();
        PodSandboxStatus st = status(d, id).getStatus();
        assertThat(st.getState()).isEqualTo(PodSandboxState.SANDBOX_READY);
        assertThat(st.getNetwork().getIp()).isEmpty();
        assertThat(st.getLinux().getNamespaces().getOptions().getNetwork()).isEqualTo(NamespaceMode.NODE);
        d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
        d.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
        assertThat(list(d, PodSandboxFilter.getDefaultInstance())).isEmpty();
    }

    /**
     * A RunPodSandbox whose client gave up (the kubelet's deadline passed while CNI still ran) is taken back once it
     * is done: nobody learnt the pod's id, so it would otherwise sit there holding its name, netns and IP.
     */
    @Fault(value = "the kubelet's RunPodSandbox deadline passes while CNI is still running",
            expect = "the finished pod is removed: not listed, no netns pinned; the kubelet's retry then runs it")
    @Test
    void aRunPodSandboxWhoseClientHasGoneIsTakenBack(Daemons.Session s) throws Exception {
        TestConfig c = s.config();
        Path bin = Files.createDirectories(c.dir().resolve("cni-bin"));
        Path slow = bin.resolve("slow-loopback");
        Files.writeString(slow, "#!/bin/sh\nsleep 3\nexec " + CNI_BIN.resolve("loopback") + "\n");
        Files.setPosixFilePermissions(slow, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path confDir = Files.createDirectories(c.dir().resolve("net.d"));
        Files.writeString(confDir.resolve("10-slow.conflist"),
                "{\"cniVersion\": \"1.0.0\", \"name\": \"slow\", \"plugins\": [{\"type\": \"slow-loopback\"}]}");
        c.append("[plugins.\"" + CONTROLLER + "\"]\ncni_conf_dir = \"" + confDir + "\"\ncni_bin_dirs = [\"" + bin
                + "\", \"" + CNI_BIN + "\"]\n");
        Berthd d = start(s, c);

        assertThatThrownBy(() -> d.runtime().withDeadlineAfter(1, TimeUnit.SECONDS).runPodSandbox(run(pod("slow")).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
        // CNI ADD ends 3 s in; the undo runs CNI DEL, which sleeps 3 s as well
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!(d.log().contains("the client has gone; undoing") && list(d, PodSandboxFilter.getDefaultInstance()).isEmpty())
                && System.nanoTime() < until) {
            Thread.sleep(200);
        }
        assertThat(d.log()).contains("RunPodSandbox for itest/slow");
        assertThat(list(d, PodSandboxFilter.getDefaultInstance())).as("pods left").isEmpty();
        assertThat(controllerState(c).resolve("netns")).satisfiesAnyOf(p -> assertThat(p).doesNotExist(),
                p -> assertThat(p).isEmptyDirectory());

        // the kubelet's retry, with time enough, gets a pod
        String id = d.runtime().withDeadlineAfter(60, TimeUnit.SECONDS).runPodSandbox(run(pod("slow")).build())
                .getPodSandboxId();
        assertThat(status(d, id).getStatus().getState()).isEqualTo(PodSandboxState.SANDBOX_READY);
    }

    /**
     * The sandbox security context is honoured or refused: a pod user namespace without mappings, a seccomp profile missing on the
     * node and a cgroup parent climbing out of the hierarchy fail RunPodSandbox naming the field and leave no pod; a
     * pod sharing one pid namespace gets its holder process into {@code <cgroup_parent>/berth-<id>} in every
     * hierarchy, and StopPodSandbox takes that cgroup away.
     */
    @Test
    void securityContextIsCheckedAndTheHolderRunsInThePodsCgroup(Daemons.Session s) throws Exception {
        Berthd d = start(s, s.config());
        LinuxSandboxSecurityContext.Builder hostNet = LinuxSandboxSecurityContext.newBuilder()
                .setNamespaceOptions(NamespaceOption.newBuilder().setNetwork(NamespaceMode.NODE).setPid(NamespaceMode.POD));
        Map<String, LinuxPodSandboxConfig.Builder> refused = Map.of(
                "config.linux.security_context.namespace_options.userns_options", // unsupported here, or no mappings
                LinuxPodSandboxConfig.newBuilder().setSecurityContext(hostNet.clone().setNamespaceOptions(NamespaceOption
                        .newBuilder().setNetwork(NamespaceMode.NODE).setUsernsOptions(dev.berth.api.cri.v1.UserNamespace
                                .newBuilder().setMode(NamespaceMode.POD)))),
                "config.linux.security_context.seccomp.localhost_ref: profile /nonexistent/berth.json does not exist",
                LinuxPodSandboxConfig.newBuilder().setSecurityContext(hostNet.clone().setSeccomp(
                        dev.berth.api.cri.v1.SecurityProfile.newBuilder().setProfileType(
                                dev.berth.api.cri.v1.SecurityProfile.ProfileType.Localhost)
                                .setLocalhostRef("/nonexistent/berth.json"))),
                "config.linux.cgroup_parent \"/kubepods/../..\" must not contain",
                LinuxPodSandboxConfig.newBuilder().setCgroupParent("/kubepods/../..").setSecurityContext(hostNet.clone()));
        for (Map.Entry<String, LinuxPodSandboxConfig.Builder> e : refused.entrySet()) {
            assertThatThrownBy(() -> d.runtime().runPodSandbox(run(pod("bad").setLinux(e.getValue())).build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, x -> {
                        assertThat(x.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                        assertThat(x.getStatus().getDescription()).contains(e.getKey());
                    });
        }
        assertThat(list(d, PodSandboxFilter.getDefaultInstance())).isEmpty();

        String parent = "berth-it-cg-" + ProcessHandle.current().pid();
        try {
            String id = d.runtime().runPodSandbox(run(pod("shared").setLinux(LinuxPodSandboxConfig.newBuilder()
                    .setCgroupParent("/" + parent).setSecurityContext(hostNet.clone().setSeccomp(
                            dev.berth.api.cri.v1.SecurityProfile.newBuilder().setProfileType(
                                    dev.berth.api.cri.v1.SecurityProfile.ProfileType.RuntimeDefault))))).build())
                    .getPodSandboxId();
            String holder = processesMentioning("berth-infra-" + id).stream().filter(p -> p.contains(": /bin/sh -c")) // the holder, not its unshare launcher
                    .findFirst().orElseThrow().split(":")[0];
            String cgroups = Files.readString(Path.of("/proc", holder, "cgroup"));
            List<Path> leaves = podCgroupDirs(parent + "/berth-" + id);
            assertThat(leaves).as("the pod's cgroup in every hierarchy").isNotEmpty().allMatch(Files::isDirectory);
            for (Path leaf : leaves) {
                String hierarchy = Path.of("/sys/fs/cgroup").relativize(leaf).getName(0).toString();
                assertThat(Files.readString(leaf.resolve("cgroup.procs"))).as(hierarchy).contains(holder);
            }
            assertThat(cgroups).contains(":/" + parent + "/berth-" + id + "\n");

            d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
            assertThat(leaves).as("StopPodSandbox removes the pod's cgroup").noneMatch(Files::exists);
            d.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
        } finally {
            HostCleanup.removeAllPods(d); // a cgroup with the holder still in it cannot be removed
            HostCleanup.removeCgroupTree("/" + parent);
        }
    }

    /** {@code rel} below each mounted cgroup hierarchy (the root itself on a pure v2 host). */
    private static List<Path> podCgroupDirs(String rel) throws IOException {
        Path root = Path.of("/sys/fs/cgroup");
        if (Files.exists(root.resolve("cgroup.procs"))) {
            return List.of(root.resolve(rel));
        }
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(h -> Files.exists(h.resolve("cgroup.procs")) && !Files.isSymbolicLink(h))
                    .map(h -> h.resolve(rel)).toList();
        }
    }

    // ------------------------------------------------------------------ cleanup

    /** Everything a test made goes, pass or fail: sandboxes (via the CRI, else by hand), daemons, mounts, bridge. */
    @AfterEach
    void cleanUp() throws Exception {
        for (Berthd d : daemons) {
            HostCleanup.removeAllPods(d);
            d.close();
        }
        if (dir == null) {
            return;
        }
        // By hand, whatever the CRI could not remove: namespace pins and shm tmpfs mounts (deepest first).
        for (Path m : mountsUnder(dir)) {
            sh("umount", m.toString());
        }
        if (sh("ip", "link", "show", BRIDGE).code() == 0) {
            sh("ip", "link", "del", BRIDGE);
        }
        Files.writeString(Path.of("/proc/sys/net/ipv4/ip_forward"), ipForward);

        assertThat(mountsUnder(dir)).as("mounts left under " + dir).isEmpty();
        assertThat(sh("ip", "-o", "link").out()).doesNotContain(BRIDGE);
        assertThat(processesMentioning(dir.toString())).as("processes left").isEmpty();
    }

    // ------------------------------------------------------------------ helpers

    private Berthd start(Daemons.Session s, TestConfig c) throws Exception {
        dir = c.dir();
        Berthd d = s.start(c);
        daemons.add(d);
        return d;
    }

    /** A config whose controller networks pods on {@value #BRIDGE}. */
    private TestConfig networked(Daemons.Session s) throws IOException {
        TestConfig c = s.config();
        Path confDir = Files.createDirectories(c.dir().resolve("net.d"));
        Files.writeString(confDir.resolve("10-" + NETWORK + ".conflist"), "{\"cniVersion\": \"1.0.0\", \"name\": \""
                + NETWORK + "\", \"plugins\": [{\"type\": \"bridge\", \"bridge\": \"" + BRIDGE + "\", \"isGateway\": true,"
                + " \"ipMasq\": false, \"ipam\": {\"type\": \"host-local\", \"ranges\": [[{\"subnet\": \"" + SUBNET + "\"}]],"
                + " \"dataDir\": \"" + ipamDir(c) + "\", \"routes\": [{\"dst\": \"0.0.0.0/0\"}]}},"
                + " {\"type\": \"loopback\"}]}");
        c.append("[plugins.\"" + CONTROLLER + "\"]\ncni_conf_dir = \"" + confDir + "\"\ncni_bin_dirs = [\"" + CNI_BIN + "\"]\n");
        return c;
    }

    private static Path ipamDir(TestConfig c) {
        return c.dir().resolve("ipam");
    }

    /** IPs host-local holds a reservation file for. */
    private List<String> ipamReservations() throws IOException {
        Path net = dir.resolve("ipam").resolve(NETWORK);
        if (!Files.isDirectory(net)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(net)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(SUBNET_PREFIX)).toList();
        }
    }

    private static Path controllerState(TestConfig c) {
        return c.dir().resolve("state").resolve(CONTROLLER);
    }

    private static Path netns(TestConfig c, String id) {
        return controllerState(c).resolve("netns").resolve(id);
    }

    private static PodSandboxMetadata metadata(String name) {
        return PodSandboxMetadata.newBuilder().setName(name).setNamespace("itest").setUid("uid-" + name).setAttempt(0).build();
    }

    private static PodSandboxConfig.Builder pod(String name) {
        return PodSandboxConfig.newBuilder().setMetadata(metadata(name));
    }

    private static RunPodSandboxRequest.Builder run(PodSandboxConfig.Builder pod) {
        return RunPodSandboxRequest.newBuilder().setConfig(pod);
    }

    private static PodSandboxStatusResponse status(Berthd d, String id) {
        return d.runtime().podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(id).build());
    }

    private static List<PodSandbox> list(Berthd d, PodSandboxFilter f) {
        return d.runtime().listPodSandbox(ListPodSandboxRequest.newBuilder().setFilter(f).build()).getItemsList();
    }

    private static PodSandboxFilter stateFilter(PodSandboxState state) {
        return PodSandboxFilter.newBuilder().setState(PodSandboxStateValue.newBuilder().setState(state)).build();
    }

    private static Map<String, RuntimeCondition> conditions(Berthd d) {
        return d.runtime().status(StatusRequest.getDefaultInstance()).getStatus().getConditionsList().stream()
                .collect(Collectors.toMap(RuntimeCondition::getType, x -> x));
    }

    /** Mount points at or below {@code dir}, deepest first, from /proc/self/mountinfo (octal escapes decoded). */
    static List<Path> mountsUnder(Path dir) throws IOException {
        List<Path> found = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
            String[] f = line.split(" ");
            if (f.length > 4) {
                Path p = Path.of(unescape(f[4]));
                if (p.startsWith(dir)) {
                    found.add(p);
                }
            }
        }
        found.sort(Comparator.comparingInt(Path::getNameCount).reversed());
        return found;
    }

    private static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '\\' && i + 3 < s.length()) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(ch);
            }
        }
        return b.toString();
    }

    /** Pids (other than ours) whose command line mentions {@code text}. */
    static List<String> processesMentioning(String text) throws IOException {
        String self = Long.toString(ProcessHandle.current().pid());
        List<String> pids = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    String cmd = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
                    if (cmd.contains(text) && !p.getFileName().toString().equals(self)) {
                        pids.add(p.getFileName() + ": " + cmd.strip());
                    }
                } catch (IOException e) {
                    // gone meanwhile
                }
            }
        }
        return pids;
    }

    record Sh(int code, String out) {
    }

    static Sh sh(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", cmd) + " did not finish");
        }
        return new Sh(p.exitValue(), out);
    }
}
