package dev.berth.itest;

import static dev.berth.itest.PodSandboxIT.mountsUnder;
import static dev.berth.itest.PodSandboxIT.processesMentioning;
import static dev.berth.itest.PodSandboxIT.sh;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.api.cri.v1.CgroupDriver;
import dev.berth.api.cri.v1.NetworkConfig;
import dev.berth.api.cri.v1.PodSandboxConfig;
import dev.berth.api.cri.v1.PodSandboxMetadata;
import dev.berth.api.cri.v1.PodSandboxState;
import dev.berth.api.cri.v1.PodSandboxStatus;
import dev.berth.api.cri.v1.PodSandboxStatusRequest;
import dev.berth.api.cri.v1.RunPodSandboxRequest;
import dev.berth.api.cri.v1.RuntimeCondition;
import dev.berth.api.cri.v1.RuntimeConfig;
import dev.berth.api.cri.v1.RuntimeConfigRequest;
import dev.berth.api.cri.v1.StatusRequest;
import dev.berth.api.cri.v1.UpdateRuntimeConfigRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * RuntimeConfig and UpdateRuntimeConfig through the CRI of a real berthd: the cgroup driver it reports, a driver the
 * host cannot serve refused at startup, and the kubelet's pod CIDR reaching CNI through a conflist template (a pod
 * gets an address from it, before and after a restart). The network is the bridge {@value #BRIDGE} on
 * {@value #SUBNET} with host-local data in the test's directory and no masquerading; the bridge, ip_forward, pods and
 * mounts are undone after each test, pass or fail.
 */
@ExtendWith(Daemons.class)
class RuntimeConfigIT {
    static final String BRIDGE = "berthtpl0";
    static final String SUBNET = "10.236.0.0/24";
    static final String SUBNET_PREFIX = "10.236.0.";
    static final String NETWORK = "berthtpl";
    static final String CONTROLLER = "io.berth.sandbox.controller.v1.podsandbox";
    static final String RUNC = "io.berth.runtime.v2.runc";
    static final Path CNI_BIN = Path.of("/usr/lib/cni");

    private final List<Berthd> daemons = new ArrayList<>();
    private Path dir;
    private String ipForward;

    @BeforeEach
    void requireRootRuncAndRememberIpForward() throws IOException {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root");
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/runc")) || Files.isExecutable(Path.of("/usr/bin/runc")), "needs runc");
        ipForward = Files.readString(Path.of("/proc/sys/net/ipv4/ip_forward")).strip();
    }

    // ------------------------------------------------------------------ tests

    @Test
    void runtimeConfigAnswersTheConfiguredCgroupDriverAndBadCidrsAreRefused(Daemons.Session s) throws Exception {
        Berthd d = start(s, s.config());
        assertThat(d.runtime().runtimeConfig(RuntimeConfigRequest.getDefaultInstance()).getLinux().getCgroupDriver())
                .isEqualTo(CgroupDriver.CGROUPFS);

        for (String bad : List.of("10.236.0.0", "10.236.0.0/33", "10.236.0.0/24,nonsense", "fd00:::/64")) {
            assertThatThrownBy(() -> updatePodCidr(d, bad)).as(bad).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                assertThat(e.getStatus().getDescription()).contains("network_config.pod_cidr", "is not a CIDR");
            });
        }
        assertThatThrownBy(() -> updatePodCidr(d, "10.236.0.0/24,10.236.1.0/33"))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getDescription())
                        .contains("runtime_config.network_config.pod_cidr: \"10.236.1.0/33\""));
        updatePodCidr(d, ""); // nothing to do
        // without a template the CIDR is only kept
        updatePodCidr(d, SUBNET);
        assertThat(d.log()).contains("no cni_conf_template is set");
        assertThat(Files.readString(controllerRoot(dir).resolve("pod-cidrs")))
                .isEqualTo(SUBNET + "\n");
    }

    @Test
    void systemdCgroupDriverOnAHostWithoutSystemdFailsThePluginAtStartup(Daemons.Session s) throws Exception {
        assumeTrue(!Files.isDirectory(Path.of("/run/systemd/system")), "this host runs systemd");
        TestConfig c = s.config().append("[plugins.\"" + RUNC + "\"]\nsystemd_cgroup = true\n");
        Berthd d = start(s, c);

        Berthctl.Result ls = Berthctl.run("-r", d.socket().toString(), "plugins", "ls");
        assertThat(ls.exitCode()).as(ls.output()).isZero();
        assertThat(ls.output()).containsPattern("io\\.berth\\.runtime\\.v2 +runc +error +systemd_cgroup = true, but this "
                + "host does not run systemd");
        RuntimeCondition runtime = conditions(d).get("RuntimeReady");
        assertThat(runtime.getStatus()).isFalse();
        assertThat(runtime.getMessage()).contains(RUNC, "systemd_cgroup = true", "/run/systemd/system is not a directory");
        assertThatThrownBy(() -> d.runtime().runtimeConfig(RuntimeConfigRequest.getDefaultInstance()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                    assertThat(e.getStatus().getDescription()).contains("\"runc\"", "io.berth.runtime.v2", "not running");
                });
    }

    @Test
    void podCidrReachesCniThroughTheTemplateAndSurvivesARestart(Daemons.Session s) throws Exception {
        assumeTrue(Files.isExecutable(CNI_BIN.resolve("bridge")), "needs CNI plugins in " + CNI_BIN);
        assertThat(sh("ip", "route").out()).as("test subnet must be unused").doesNotContain(SUBNET_PREFIX);
        assertThat(sh("ip", "link", "show", BRIDGE).code()).as("bridge " + BRIDGE + " must not exist yet").isNotZero();

        TestConfig c = s.config();
        Path confDir = Files.createDirectories(c.dir().resolve("net.d"));
        Path template = Files.writeString(c.dir().resolve("template.conflist"), "{\"cniVersion\": \"1.0.0\", \"name\": \""
                + NETWORK + "\", \"plugins\": [{\"type\": \"bridge\", \"bridge\": \"" + BRIDGE + "\", \"isGateway\": true,"
                + " \"ipMasq\": false, \"ipam\": {\"type\": \"host-local\", \"ranges\": [{{.PodCIDRRanges}}],"
                + " \"dataDir\": \"" + c.dir().resolve("ipam") + "\", \"routes\": [{\"dst\": \"0.0.0.0/0\"}]}},"
                + " {\"type\": \"loopback\"}]}");
        c.append("[plugins.\"" + CONTROLLER + "\"]\ncni_conf_dir = \"" + confDir + "\"\ncni_bin_dirs = [\"" + CNI_BIN
                + "\"]\ncni_conf_template = \"" + template + "\"\n");
        Berthd d = start(s, c);

        RuntimeCondition network = conditions(d).get("NetworkReady");
        assertThat(network.getStatus()).isFalse();
        assertThat(network.getMessage()).contains("no network config in " + confDir, "cni_conf_template");

        updatePodCidr(d, SUBNET);
        Path rendered = confDir.resolve("10-berth-template.conflist");
        assertThat(Files.readString(rendered)).contains("\"ranges\": [[{\"subnet\": \"" + SUBNET + "\"}]]");
        network = conditions(d).get("NetworkReady");
        assertThat(network.getStatus()).as(network.getMessage()).isTrue();
        String first = d.runtime().runPodSandbox(run("web")).getPodSandboxId();
        String ip = status(d, first).getNetwork().getIp();
        assertThat(ip).startsWith(SUBNET_PREFIX);

        // down, the rendered file goes away: startup renders it again from the kept CIDR
        assertThat(d.terminate()).isZero();
        Files.delete(rendered);
        Berthd again = start(s, c);
        network = conditions(again).get("NetworkReady");
        assertThat(network.getStatus()).as(network.getMessage()).isTrue();
        assertThat(rendered).isRegularFile();
        PodSandboxStatus before = status(again, first);
        assertThat(before.getState()).isEqualTo(PodSandboxState.SANDBOX_READY);
        assertThat(before.getNetwork().getIp()).isEqualTo(ip);
        String second = again.runtime().runPodSandbox(run("api")).getPodSandboxId();
        String ip2 = status(again, second).getNetwork().getIp();
        assertThat(ip2).startsWith(SUBNET_PREFIX).isNotEqualTo(ip);
    }

    // ------------------------------------------------------------------ cleanup

    /** Everything a test made goes, pass or fail: pods (via the CRI), daemons, mounts, the bridge, ip_forward. */
    @AfterEach
    void cleanUp() throws Exception {
        for (Berthd d : daemons) {
            HostCleanup.removeAllPods(d);
            d.close();
        }
        if (dir == null) {
            return;
        }
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

    private static void updatePodCidr(Berthd d, String cidr) {
        d.runtime().updateRuntimeConfig(UpdateRuntimeConfigRequest.newBuilder().setRuntimeConfig(RuntimeConfig.newBuilder()
                .setNetworkConfig(NetworkConfig.newBuilder().setPodCidr(cidr))).build());
    }

    private static Path controllerRoot(Path dir) {
        return dir.resolve("root").resolve(CONTROLLER);
    }

    private static RunPodSandboxRequest run(String name) {
        return RunPodSandboxRequest.newBuilder().setConfig(PodSandboxConfig.newBuilder().setMetadata(PodSandboxMetadata
                .newBuilder().setName(name).setNamespace("itest").setUid("uid-" + name))).build();
    }

    private static PodSandboxStatus status(Berthd d, String id) {
        return d.runtime().podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(id).build()).getStatus();
    }

    private static Map<String, RuntimeCondition> conditions(Berthd d) {
        return d.runtime().status(StatusRequest.getDefaultInstance()).getStatus().getConditionsList().stream()
                .collect(Collectors.toMap(RuntimeCondition::getType, x -> x));
    }
}
