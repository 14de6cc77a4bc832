package dev.berth.itest;

import static dev.berth.itest.PodSandboxIT.mountsUnder;
import static dev.berth.itest.PodSandboxIT.processesMentioning;
import static dev.berth.itest.PodSandboxIT.sh;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.api.cri.v1.ContainerConfig;
import dev.berth.api.cri.v1.ContainerMetadata;
import dev.berth.api.cri.v1.ContainerState;
import dev.berth.api.cri.v1.ContainerStatusRequest;
import dev.berth.api.cri.v1.CreateContainerRequest;
import dev.berth.api.cri.v1.DNSConfig;
import dev.berth.api.cri.v1.ExecSyncRequest;
import dev.berth.api.cri.v1.ExecSyncResponse;
import dev.berth.api.cri.v1.ImageSpec;
import dev.berth.api.cri.v1.LinuxContainerConfig;
import dev.berth.api.cri.v1.LinuxContainerSecurityContext;
import dev.berth.api.cri.v1.LinuxPodSandboxConfig;
import dev.berth.api.cri.v1.LinuxSandboxSecurityContext;
import dev.berth.api.cri.v1.ListPodSandboxRequest;
import dev.berth.api.cri.v1.NamespaceMode;
import dev.berth.api.cri.v1.NamespaceOption;
import dev.berth.api.cri.v1.PodSandbox;
import dev.berth.api.cri.v1.PodSandboxConfig;
import dev.berth.api.cri.v1.PodSandboxMetadata;
import dev.berth.api.cri.v1.PodSandboxState;
import dev.berth.api.cri.v1.PodSandboxStatus;
import dev.berth.api.cri.v1.PodSandboxStatusRequest;
import dev.berth.api.cri.v1.PortMapping;
import dev.berth.api.cri.v1.Protocol;
import dev.berth.api.cri.v1.RemovePodSandboxRequest;
import dev.berth.api.cri.v1.RunPodSandboxRequest;
import dev.berth.api.cri.v1.StartContainerRequest;
import dev.berth.api.cri.v1.StopPodSandboxRequest;
import dev.berth.itest.registry.Registries;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The pod network end to end: a real berthd with the pod sandbox controller, Debian's CNI plugins (bridge,
 * host-local, portmap, loopback), runc under conmon and the busybox test image, as root. Pods are networked (no host
 * network) and their containers use pid mode CONTAINER, as the kubelet sends them.
 *
 * <p>The network is the bridge {@value #BRIDGE} on {@value #SUBNET}, with host-local data in the test's directory and
 * no masquerading; host ports come from {@value #HOST_PORT} up. After each test, pass or fail, everything goes: pods
 * (through the CRI, else by hand), runc containers, monitors, mounts, the bridge, the iptables rules and chains made
 * for this test's pods (and portmap's shared chains if this test created them and nobody else uses them), cgroups,
 * ip_forward and route_localnet. Nothing else on the host is touched.
 */
@ExtendWith({Daemons.class, Registries.Extension.class})
class PodNetworkIT {
    static final String BRIDGE = "berthnet0";
    static final String SUBNET = "10.234.0.0/24";
    static final String SUBNET_PREFIX = "10.234.0.";
    static final String NETWORK = "berthnet";
    static final int HOST_PORT = 18080;
    static final String CONTROLLER = PodSandboxIT.CONTROLLER;
    static final Path CNI_BIN = PodSandboxIT.CNI_BIN;
    /** portmap's chains shared by every pod; per-pod chains are CNI-DN-&lt;hash&gt;. */
    static final List<String> PORTMAP_SHARED_CHAINS = List.of("CNI-HOSTPORT-DNAT", "CNI-HOSTPORT-SETMARK", "CNI-HOSTPORT-MASQ");
    static final Path ALL_ROUTE_LOCALNET = Path.of("/proc/sys/net/ipv4/conf/all/route_localnet");
    static final Path IP_FORWARD = Path.of("/proc/sys/net/ipv4/ip_forward");

    private final List<Berthd> daemons = new ArrayList<>();
    private final String cgroupParent = "/berth-netit-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    /** Every sandbox id this test got, for the leak checks and the iptables cleanup. */
    private final Set<String> podIds = new LinkedHashSet<>();
    private Path dir;
    private String ipForward;
    private String allRouteLocalnet;
    private Set<String> natChainsBefore;

    @BeforeAll
    static void requireRootCniRuncConmon() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root");
        for (String plugin : List.of("bridge", "host-local", "portmap", "loopback")) {
            assumeTrue(Files.isExecutable(CNI_BIN.resolve(plugin)), "needs CNI plugin " + plugin + " in " + CNI_BIN);
        }
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/runc")) || Files.isExecutable(Path.of("/usr/bin/runc")), "needs runc");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/conmon")) || Files.isExecutable(Path.of("/usr/libexec/podman/conmon")),
                "needs conmon");
        assumeTrue(sh("iptables-save").code() == 0, "needs iptables-save");
        assertThat(sh("ip", "route").out()).as("test subnet must be unused").doesNotContain(SUBNET_PREFIX);
        assertThat(sh("ip", "link", "show", BRIDGE).code()).as("bridge " + BRIDGE + " must not exist yet").isNotZero();
        assertThat(sh("iptables-save").out()).as("no iptables rules for the test subnet yet").doesNotContain(SUBNET_PREFIX);
    }

    @BeforeEach
    void rememberHostState() throws Exception {
        ipForward = Files.readString(IP_FORWARD).strip();
        allRouteLocalnet = Files.readString(ALL_ROUTE_LOCALNET).strip();
        natChainsBefore = chains("nat");
    }

    // ------------------------------------------------------------------ tests

    @Test
    void aContainerInOnePodReachesAServerInAnotherPodByItsPodIp(Daemons.Session s, Registries r) throws Exception {
        Berthd d = start(s, networked(s));
        String image = CriFixtures.pushAndPullBusybox(d, r);

        String podA = runPod(d, "pod-a", p -> p);
        String podB = runPod(d, "pod-b", p -> p);
        String ipA = podIp(d, podA);
        String ipB = podIp(d, podB);
        assertThat(ipA).startsWith(SUBNET_PREFIX);
        assertThat(ipB).startsWith(SUBNET_PREFIX).isNotEqualTo(ipA);

        String server = createAndStart(d, podA, "server", image, httpServer("hello-from-a"));
        String client = createAndStart(d, podB, "client", image, List.of("sleep", "300"));

        // the client really is in pod B's network namespace, not the host's
        ExecSyncResponse addr = exec(d, client, 10, "busybox", "ip", "-4", "-o", "addr", "show", "eth0");
        assertThat(addr.getExitCode()).as(addr.getStderr().toStringUtf8()).isZero();
        assertThat(addr.getStdout().toStringUtf8()).contains("inet " + ipB + "/24");

        // busybox nc rather than wget: Debian's static busybox 1.35 wget segfaults with -T (also in a plain chroot)
        ExecSyncResponse got = awaitExec(d, client, "sh", "-c",
                "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | busybox nc -w 3 " + ipA + " 8080");
        assertThat(got.getStdout().toStringUtf8()).startsWith("HTTP/1.1 200 OK").endsWith("\r\n\r\nhello-from-a\n");
        // and the server saw pod B's address as the peer (no NAT between pods on the bridge)
        // (httpd listens on [::], so it may print the peer as [::ffff:a.b.c.d])
        assertThat(CriPods.awaitLog(dir.resolve("logs/pod-a/server/0.log"), ipB)).containsPattern(
                "stderr F (\\[::ffff:)?" + ipB.replace(".", "\\.") + "]?:\\d+: url:/");
        assertThat(status(d, server)).isEqualTo(ContainerState.CONTAINER_RUNNING);
    }

    @Test
    void aHostPortOnLoopbackReachesThePodAndItsRulesGoWithThePod(Daemons.Session s, Registries r) throws Exception {
        Berthd d = start(s, networked(s));
        String image = CriFixtures.pushAndPullBusybox(d, r);
        assertThat(canConnect(HOST_PORT)).as("nothing may listen on 127.0.0.1:" + HOST_PORT + " before the pod").isFalse();

        String pod = runPod(d, "web", p -> p.addPortMappings(PortMapping.newBuilder().setProtocol(Protocol.TCP)
                .setContainerPort(8080).setHostPort(HOST_PORT).setHostIp("127.0.0.1")));
        String ip = podIp(d, pod);
        createAndStart(d, pod, "server", image, httpServer("hello-from-hostport"));

        List<String> rules = iptablesLinesMentioning(List.of(pod));
        assertThat(rules).as("portmap's DNAT rules for the pod").isNotEmpty();
        assertThat(sh("iptables-save", "-t", "nat").out()).contains("--to-destination " + ip + ":8080");
        Set<String> podChains = new LinkedHashSet<>(chains("nat"));
        podChains.removeIf(ch -> !ch.startsWith("CNI-DN-") || natChainsBefore.contains(ch));
        assertThat(podChains).as("portmap's per-pod chain").isNotEmpty();

        String reply = awaitHttpGet(HOST_PORT);
        assertThat(reply).startsWith("HTTP/1.").contains("hello-from-hostport");
        // portmap lets 127/8 be routed to the bridge on the bridge alone; the host-wide switch stays as it was
        assertThat(Files.readString(Path.of("/proc/sys/net/ipv4/conf", BRIDGE, "route_localnet")).strip()).isEqualTo("1");
        assertThat(Files.readString(ALL_ROUTE_LOCALNET).strip()).isEqualTo(allRouteLocalnet);

        d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
        assertThat(iptablesLinesMentioning(List.of(pod, ip + ":", ip + "/", ip + " "))).as("iptables lines left after stop")
                .isEmpty();
        assertThat(sh("iptables-save").out()).doesNotContain(SUBNET_PREFIX);
        assertThat(chains("nat")).doesNotContainAnyElementsOf(podChains);
        assertThat(canConnect(HOST_PORT)).as("the host port is closed once the pod stopped").isFalse();
        d.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
        assertThat(sh("iptables-save").out()).doesNotContain(pod).doesNotContain(SUBNET_PREFIX);
    }

    @Test
    void containersSeeThePodsDnsConfigHostnameAndHosts(Daemons.Session s, Registries r) throws Exception {
        Berthd d = start(s, networked(s));
        String image = CriFixtures.pushAndPullBusybox(d, r);
        String pod = runPod(d, "dns", p -> p.setHostname("dns-pod-0").setDnsConfig(DNSConfig.newBuilder()
                .addServers("10.96.0.10").addServers("10.96.0.11")
                .addSearches("itest.svc.cluster.local").addSearches("svc.cluster.local").addSearches("cluster.local")
                .addOptions("ndots:5").addOptions("timeout:2")));
        String ip = podIp(d, pod);
        String c = createAndStart(d, pod, "app", image, List.of("sleep", "300"));

        String resolv = out(exec(d, c, 10, "cat", "/etc/resolv.conf"));
        List<String> lines = resolv.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        assertThat(lines).as(resolv).allMatch(l -> l.matches("(nameserver|search|options)\\s.*"));
        assertThat(values(lines, "nameserver")).containsExactly("10.96.0.10", "10.96.0.11");
        assertThat(values(lines, "search")).containsExactly("itest.svc.cluster.local", "svc.cluster.local", "cluster.local");
        assertThat(values(lines, "options")).containsExactly("ndots:5", "timeout:2");

        assertThat(out(exec(d, c, 10, "cat", "/etc/hostname"))).isEqualTo("dns-pod-0\n");
        assertThat(out(exec(d, c, 10, "busybox", "hostname"))).isEqualTo("dns-pod-0\n");
        assertThat(out(exec(d, c, 10, "cat", "/proc/sys/kernel/hostname"))).isEqualTo("dns-pod-0\n");
        String hosts = out(exec(d, c, 10, "cat", "/etc/hosts"));
        assertThat(hosts).containsPattern("(?m)^" + ip.replace(".", "\\.") + "\\s+dns-pod-0(\\s|$)")
                .containsPattern("(?m)^127\\.0\\.0\\.1\\s+localhost(\\s|$)");
        // the host keeps its own name
        assertThat(sh("hostname").out().strip()).isNotEqualTo("dns-pod-0");
    }

    @Test
    void runningAndRemovingNetworkedPodsOverAndOverLeavesNothingBehind(Daemons.Session s, Registries r) throws Exception {
        TestConfig cfg = networked(s);
        Berthd d = start(s, cfg);
        String image = CriFixtures.pushAndPullBusybox(d, r);
        int maxCycles = 50;
        long budgetNanos = 60_000_000_000L;
        long begin = System.nanoTime();
        int cycles = 0;
        Set<String> ips = new LinkedHashSet<>();
        while (cycles < maxCycles && System.nanoTime() - begin < budgetNanos) {
            String pod = runPod(d, "soak-" + cycles, p -> p.addPortMappings(PortMapping.newBuilder().setProtocol(Protocol.TCP)
                    .setContainerPort(8080).setHostPort(HOST_PORT + 1).setHostIp("127.0.0.1")));
            ips.add(podIp(d, pod));
            String c = create(d, pod, "sleeper", image, List.of("sleep", "300"));
            d.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(c).build());
            assertThat(status(d, c)).isEqualTo(ContainerState.CONTAINER_RUNNING);
            d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
            d.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
            cycles++;
        }
        long elapsedMillis = (System.nanoTime() - begin) / 1_000_000;
        System.out.printf("PodNetworkIT soak: %d cycles in %d ms, mean %.1f ms per cycle%n", cycles, elapsedMillis,
                (double) elapsedMillis / cycles);
        assertThat(cycles).as("cycles within %d ms", elapsedMillis).isGreaterThanOrEqualTo(20);

        assertThat(d.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()).isEmpty();
        Path netnsDir = dir.resolve("state").resolve(CONTROLLER).resolve("netns");
        assertThat(netnsDir).satisfiesAnyOf(p -> assertThat(p).doesNotExist(), p -> assertThat(p).isEmptyDirectory());
        assertThat(mountsUnder(dir)).as("mounts left under " + dir).isEmpty();
        assertThat(ipamReservations()).as("host-local reservations left").isEmpty();
        List<String> mentions = new ArrayList<>(podIds);
        mentions.add(SUBNET_PREFIX);
        assertThat(iptablesLinesMentioning(mentions)).as("iptables lines left").isEmpty();
        assertThat(chains("nat")).filteredOn(ch -> ch.startsWith("CNI-DN-")).as("per-pod portmap chains left")
                .isSubsetOf(natChainsBefore);
        assertThat(sh("ip", "-o", "link", "show", "master", BRIDGE).out().strip()).as("veths left on " + BRIDGE).isEmpty();
        assertThat(processesMentioning(dir.toString())).as("monitors or runc left")
                .filteredOn(p -> {
                    String exe = p.substring(p.indexOf(':') + 2).split(" ")[0];
                    return exe.endsWith("conmon") || exe.endsWith("runc");
                }).isEmpty();
        assertThat(processesMentioning("berth-infra-"))
                .filteredOn(p -> podIds.stream().anyMatch(p::contains)).as("infra holders left").isEmpty();
        assertThat(cgroupsUnderParent()).as("cgroups left under " + cgroupParent).isEmpty();
        assertThat(ips).as("addresses handed out").allMatch(ip -> ip.startsWith(SUBNET_PREFIX));
    }

    // ------------------------------------------------------------------ cleanup

    @AfterEach
    void cleanUp() throws Exception {
        for (Berthd d : daemons) {
            podIds.addAll(HostCleanup.removeAllPods(d));
            d.close();
        }
        if (dir == null) {
            return;
        }
        // By hand, whatever the CRI could not remove: runc containers, monitors, holders, mounts.
        Path runcRoot = dir.resolve("state/io.berth.runtime.v2.runc/runc");
        if (Files.isDirectory(runcRoot)) {
            try (Stream<Path> ids = Files.list(runcRoot)) {
                for (Path id : ids.toList()) {
                    sh("runc", "--root", runcRoot.toString(), "delete", "--force", id.getFileName().toString());
                }
            }
        }
        List<String> leftProcesses = new ArrayList<>(processesMentioning(dir.toString()));
        leftProcesses.addAll(processesMentioning("berth-infra-").stream().filter(p -> podIds.stream().anyMatch(p::contains)).toList());
        for (String p : leftProcesses) {
            sh("kill", "-9", p.substring(0, p.indexOf(':')));
        }
        for (Path m : mountsUnder(dir)) {
            sh("umount", "-l", m.toString());
        }
        removeIptablesRules();
        if (sh("ip", "link", "show", BRIDGE).code() == 0) {
            sh("ip", "link", "del", BRIDGE);
        }
        for (Path cg : cgroupParentDirs()) {
            try (Stream<Path> tree = Files.walk(cg)) {
                tree.filter(Files::isDirectory).sorted((a, b) -> b.getNameCount() - a.getNameCount())
                        .forEach(p -> p.toFile().delete());
            }
        }
        Files.writeString(IP_FORWARD, ipForward);
        if (!Files.readString(ALL_ROUTE_LOCALNET).strip().equals(allRouteLocalnet)) {
            Files.writeString(ALL_ROUTE_LOCALNET, allRouteLocalnet);
        }

        assertThat(mountsUnder(dir)).as("mounts left under " + dir).isEmpty();
        assertThat(processesMentioning(dir.toString())).as("processes left").isEmpty();
        assertThat(sh("ip", "-o", "link").out()).doesNotContain(BRIDGE);
        assertThat(sh("iptables-save").out()).as("iptables rules left").doesNotContain(SUBNET_PREFIX);
        assertThat(cgroupParentDirs()).as("cgroups left").isEmpty();
    }

    /**
     * Deletes the iptables rules (nat and filter) that mention this test's subnet or pods, then the per-pod CNI-DN-*
     * chains they jumped to, then portmap's shared CNI-HOSTPORT-* chains and the jumps to them, but only if this test
     * created those chains and no rule of anyone else's is left in them.
     */
    private void removeIptablesRules() throws Exception {
        List<String> mentions = new ArrayList<>(podIds);
        mentions.add(SUBNET_PREFIX);
        Set<String> ownChains = new LinkedHashSet<>();
        for (String table : List.of("nat", "filter")) {
            List<String> del = new ArrayList<>();
            for (String line : sh("iptables-save", "-t", table).out().lines().toList()) {
                if (line.startsWith("-A ") && mentions.stream().anyMatch(line::contains)) {
                    del.add("-D " + line.substring(3));
                    String[] f = line.split(" ");
                    if (f[1].startsWith("CNI-DN-")) {
                        ownChains.add(f[1]);
                    }
                    for (int i = 0; i + 1 < f.length; i++) {
                        if (f[i].equals("-j") && f[i + 1].startsWith("CNI-DN-")) {
                            ownChains.add(f[i + 1]);
                        }
                    }
                }
            }
            if (!del.isEmpty()) {
                restore(table, del);
            }
        }
        Set<String> nat = chains("nat");
        List<String> drop = new ArrayList<>();
        for (String ch : ownChains) {
            if (nat.contains(ch) && !natChainsBefore.contains(ch)) {
                drop.add("-F " + ch);
            }
        }
        boolean sharedOurs = PORTMAP_SHARED_CHAINS.stream().noneMatch(natChainsBefore::contains);
        String natRules = sh("iptables-save", "-t", "nat").out();
        boolean othersUseThem = natRules.lines().anyMatch(l -> l.startsWith("-A CNI-HOSTPORT-DNAT ")
                && ownChains.stream().noneMatch(l::contains));
        List<String> jumps = new ArrayList<>();
        if (sharedOurs && !othersUseThem) {
            for (String line : natRules.lines().toList()) {
                if (line.startsWith("-A ") && PORTMAP_SHARED_CHAINS.stream().anyMatch(c -> line.contains("-j " + c))) {
                    jumps.add("-D " + line.substring(3));
                }
            }
            for (String ch : PORTMAP_SHARED_CHAINS) {
                if (nat.contains(ch)) {
                    drop.add("-F " + ch);
                }
            }
        }
        List<String> all = new ArrayList<>(jumps);
        all.addAll(drop);
        all.addAll(drop.stream().map(l -> "-X " + l.substring(3)).toList());
        if (!all.isEmpty()) {
            restore("nat", all);
        }
    }

    private static void restore(String table, List<String> commands) throws Exception {
        Path f = Files.createTempFile("berth-netit-ipt", ".rules");
        try {
            Files.writeString(f, "*" + table + "\n" + String.join("\n", commands) + "\nCOMMIT\n");
            PodSandboxIT.Sh r = sh("iptables-restore", "--noflush", f.toString());
            if (r.code() != 0) {
                System.err.println("iptables-restore of\n" + String.join("\n", commands) + "\nfailed: " + r.out());
            }
        } finally {
            Files.deleteIfExists(f);
        }
    }

    // ------------------------------------------------------------------ helpers

    private Berthd start(Daemons.Session s, TestConfig c) throws Exception {
        dir = c.dir();
        Berthd d = s.start(c);
        daemons.add(d);
        return d;
    }

    /** A config whose controller networks pods on {@value #BRIDGE}, with portmap for host ports. */
    private static TestConfig networked(Daemons.Session s) throws IOException {
        TestConfig c = s.config();
        Path confDir = Files.createDirectories(c.dir().resolve("net.d"));
        Files.writeString(confDir.resolve("10-" + NETWORK + ".conflist"), "{\"cniVersion\": \"1.0.0\", \"name\": \""
                + NETWORK + "\", \"plugins\": ["
                + "{\"type\": \"bridge\", \"bridge\": \"" + BRIDGE + "\", \"isGateway\": true, \"ipMasq\": false,"
                + " \"ipam\": {\"type\": \"host-local\", \"ranges\": [[{\"subnet\": \"" + SUBNET + "\"}]],"
                + " \"dataDir\": \"" + c.dir().resolve("ipam") + "\", \"routes\": [{\"dst\": \"0.0.0.0/0\"}]}},"
                + " {\"type\": \"portmap\", \"capabilities\": {\"portMappings\": true}},"
                + " {\"type\": \"loopback\"}]}");
        c.append("[plugins.\"" + CONTROLLER + "\"]\ncni_conf_dir = \"" + confDir + "\"\ncni_bin_dirs = [\"" + CNI_BIN + "\"]\n");
        return c;
    }


    /** A networked pod (pid mode CONTAINER, as the kubelet sends) under this test's cgroup parent. */
    private String runPod(Berthd d, String name, UnaryOperator<PodSandboxConfig.Builder> more) {
        PodSandboxConfig.Builder pod = PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName(name).setNamespace("itest").setUid("uid-" + name))
                .setLogDirectory(dir.resolve("logs").resolve(name).toString())
                .setLinux(LinuxPodSandboxConfig.newBuilder().setCgroupParent(cgroupParent).setSecurityContext(
                        LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(
                                NamespaceOption.newBuilder().setNetwork(NamespaceMode.POD).setPid(NamespaceMode.CONTAINER))));
        String id = d.runtime().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(more.apply(pod)).build())
                .getPodSandboxId();
        podIds.add(id);
        return id;
    }

    private static String podIp(Berthd d, String pod) {
        PodSandboxStatus st = d.runtime().podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(pod).build())
                .getStatus();
        assertThat(st.getState()).isEqualTo(PodSandboxState.SANDBOX_READY);
        assertThat(st.getLinux().getNamespaces().getOptions().getNetwork()).isEqualTo(NamespaceMode.POD);
        return st.getNetwork().getIp();
    }

    private static String create(Berthd d, String pod, String name, String image, List<String> command) {
        ContainerConfig.Builder c = ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(name))
                .setImage(ImageSpec.newBuilder().setImage(image))
                .addAllCommand(command)
                .setLogPath(name + "/0.log")
                .setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(LinuxContainerSecurityContext.newBuilder()
                        .setNamespaceOptions(NamespaceOption.newBuilder().setNetwork(NamespaceMode.POD)
                                .setPid(NamespaceMode.CONTAINER))));
        return d.runtime().createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(pod).setConfig(c)
                .setSandboxConfig(PodSandboxConfig.getDefaultInstance()).build()).getContainerId();
    }

    private static String createAndStart(Berthd d, String pod, String name, String image, List<String> command) {
        String id = create(d, pod, name, image, command);
        d.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
        return id;
    }

    /**
     * busybox httpd in the foreground on port 8080 serving {@code text}, as the image's user; {@code -vv} logs each
     * request's peer address to stderr, i.e. the container log.
     */
    private static List<String> httpServer(String text) {
        return List.of("sh", "-c", "mkdir -p /tmp/www && echo " + text + " > /tmp/www/index.html"
                + " && exec busybox httpd -f -vv -p 8080 -h /tmp/www");
    }

    private static ContainerState status(Berthd d, String id) {
        return d.runtime().containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id).build()).getStatus().getState();
    }

    private static ExecSyncResponse exec(Berthd d, String id, long timeout, String... cmd) {
        return d.runtime().execSync(ExecSyncRequest.newBuilder().setContainerId(id).addAllCmd(List.of(cmd))
                .setTimeout(timeout).build());
    }

    private static String out(ExecSyncResponse r) {
        assertThat(r.getExitCode()).as(r.getStderr().toStringUtf8()).isZero();
        return r.getStdout().toStringUtf8();
    }

    /** Runs {@code cmd} until it succeeds (the server may still be starting), for at most 10 s. */
    private static ExecSyncResponse awaitExec(Berthd d, String id, String... cmd) throws InterruptedException {
        ExecSyncResponse last = null;
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            last = exec(d, id, 10, cmd);
            if (last.getExitCode() == 0) {
                return last;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(String.join(" ", cmd) + " did not succeed within 10 s: exit " + last.getExitCode()
                + ", stdout " + last.getStdout().toStringUtf8() + ", stderr " + last.getStderr().toStringUtf8());
    }

    private static boolean canConnect(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A plain HTTP/1.0 GET of / on 127.0.0.1:{@code port}, retried for up to 10 s while the server starts. */
    private static String awaitHttpGet(int port) throws InterruptedException {
        IOException last = null;
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
                s.setSoTimeout(5000);
                OutputStream o = s.getOutputStream();
                o.write("GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                o.flush();
                InputStream in = s.getInputStream();
                String reply = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                if (!reply.isEmpty()) {
                    return reply;
                }
                last = new IOException("empty reply");
            } catch (IOException e) {
                last = e;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no HTTP reply on 127.0.0.1:" + port + " within 10 s", last);
    }

    /** The values of every {@code key} line of a resolv.conf, in order. */
    private static List<String> values(List<String> lines, String key) {
        return lines.stream().filter(l -> l.startsWith(key + " ") || l.startsWith(key + "\t"))
                .flatMap(l -> Stream.of(l.substring(key.length()).strip().split("\\s+"))).toList();
    }

    /** Lines of iptables-save (all tables) containing any of {@code texts}. */
    private static List<String> iptablesLinesMentioning(List<String> texts) throws Exception {
        return sh("iptables-save").out().lines().filter(l -> !l.startsWith("#"))
                .filter(l -> texts.stream().anyMatch(l::contains)).toList();
    }

    /** Names of the chains of {@code table}. */
    private static Set<String> chains(String table) throws Exception {
        Set<String> out = new LinkedHashSet<>();
        for (String l : sh("iptables-save", "-t", table).out().lines().toList()) {
            if (l.startsWith(":")) {
                out.add(l.substring(1, l.indexOf(' ')));
            }
        }
        return out;
    }

    private List<String> ipamReservations() throws IOException {
        Path net = dir.resolve("ipam").resolve(NETWORK);
        if (!Files.isDirectory(net)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(net)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(SUBNET_PREFIX)).toList();
        }
    }

    /** Cgroup directories below this test's cgroup parent, in any hierarchy. */
    private List<Path> cgroupsUnderParent() throws IOException {
        List<Path> found = new ArrayList<>();
        for (Path cg : cgroupParentDirs()) {
            try (Stream<Path> tree = Files.walk(cg)) {
                tree.filter(p -> !p.equals(cg) && Files.isDirectory(p)).forEach(found::add);
            }
        }
        return found;
    }

    /** The cgroup parent's own directories, in every hierarchy that has one. */
    private List<Path> cgroupParentDirs() throws IOException {
        List<Path> found = new ArrayList<>();
        Path root = Path.of("/sys/fs/cgroup");
        List<Path> hierarchies = new ArrayList<>(List.of(root));
        try (Stream<Path> controllers = Files.list(root)) {
            controllers.filter(Files::isDirectory).forEach(hierarchies::add);
        }
        for (Path h : hierarchies) {
            Path cg = h.resolve(cgroupParent.substring(1));
            if (Files.isDirectory(cg)) {
                found.add(cg);
            }
        }
        return found;
    }
}
