package dev.berth.sandbox;

import static dev.berth.sandbox.PodSandboxControllerTest.sh;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.core.sandbox.PortMapping;
import dev.berth.core.sandbox.SandboxConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * hostPort through the portmap plugin: runtimeConfig.portMappings must reach it (it only acts on what the runtime
 * injects for its {@code portMappings} capability). Runs only on a host without CNI port-mapping chains, and
 * removes the chains portmap creates (it leaves its top-level chains behind on DEL by design).
 */
class PortMappingTest {
    private static final String BRIDGE = "berthtest1";

    @TempDir
    Path dir;
    PodSandboxController controller;
    String ipForward;

    @BeforeEach
    void onlyOnAHostWithoutPortmapChains() throws IOException {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root");
        assumeTrue(Files.isExecutable(Path.of("/usr/lib/cni/portmap")), "needs portmap");
        assumeTrue(!sh("iptables", "-t", "nat", "-S").stdout().contains("CNI-"), "host already has CNI chains");
        assertThat(sh("ip", "route").stdout()).doesNotContain("10.232.0.");
        ipForward = Files.readString(Path.of("/proc/sys/net/ipv4/ip_forward")).strip();
    }

    @AfterEach
    void removeWhatPortmapAndBridgeLeft() throws IOException {
        if (ipForward == null) {
            return;
        }
        try {
            if (controller != null) {
                for (var s : controller.list()) {
                    controller.shutdown(s.id());
                }
                controller.close();
            }
        } finally {
            Mounts mounts = new Mounts();
            for (Path m : mounts.mountPoints()) {
                if (m.startsWith(dir)) {
                    mounts.unmountAll(m);
                }
            }
            removeCniChains("iptables");
            removeCniChains("ip6tables");
            if (sh("ip", "link", "show", BRIDGE).ok()) {
                sh("ip", "link", "del", BRIDGE);
            }
            Files.writeString(Path.of("/proc/sys/net/ipv4/ip_forward"), ipForward);
        }
        assertThat(sh("iptables", "-t", "nat", "-S").stdout()).doesNotContain("CNI-");
        assertThat(sh("ip", "-o", "link").stdout()).doesNotContain(BRIDGE);
    }

    @Test
    void hostPortIsForwardedWhileReadyAndRemovedOnStop() throws Exception {
        Path conf = Files.createDirectories(dir.resolve("net.d"));
        Files.writeString(conf.resolve("10-berthpm.conflist"), "{\"cniVersion\": \"1.0.0\", \"name\": \"berthpm\","
                + " \"plugins\": [{\"type\": \"bridge\", \"bridge\": \"" + BRIDGE + "\", \"isGateway\": true,"
                + " \"ipMasq\": false, \"ipam\": {\"type\": \"host-local\", \"ranges\": [[{\"subnet\": \"10.232.0.0/24\"}]],"
                + " \"dataDir\": \"" + dir.resolve("ipam") + "\"}},"
                + " {\"type\": \"portmap\", \"capabilities\": {\"portMappings\": true}, \"snat\": false}]}");
        controller = new PodSandboxController(dir.resolve("root"), dir.resolve("state"),
                new PodSandboxSettings(conf, List.of(Path.of("/usr/lib/cni")), Duration.ofSeconds(30), 1 << 20));
        controller.create(SandboxConfig.builder("pm1").metadata("pm", "default", "uid-pm", 0)
                .portMapping(new PortMapping(PortMapping.Protocol.TCP, 80, 18080, ""))
                .portMapping(new PortMapping(PortMapping.Protocol.TCP, 81, 0, "")) // not exposed: ignored
                .build());
        controller.start("pm1");
        String ip = controller.status("pm1", false).ip();
        String nat = sh("iptables", "-t", "nat", "-S").stdout();
        assertThat(nat).contains("--dport 18080").contains("--to-destination " + ip + ":80").doesNotContain("81");

        controller.stop("pm1", Duration.ZERO);
        assertThat(sh("iptables", "-t", "nat", "-S").stdout()).doesNotContain("18080");
    }

    /** Deletes rules jumping to CNI-* chains, then the chains, in the nat table. */
    private static void removeCniChains(String tool) {
        if (!sh("sh", "-c", "command -v " + tool).ok()) {
            return;
        }
        List<String> chains = new ArrayList<>();
        for (String line : sh(tool, "-t", "nat", "-S").stdout().split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 2 && f[0].equals("-N") && f[1].startsWith("CNI-")) {
                chains.add(f[1]);
            }
            if (f.length >= 2 && f[0].equals("-A") && !f[1].startsWith("CNI-") && line.contains("-j CNI-")) {
                List<String> del = new ArrayList<>(List.of(tool, "-t", "nat", "-D"));
                del.addAll(List.of(f).subList(1, f.length));
                sh(del.toArray(String[]::new));
            }
        }
        for (String c : chains) {
            sh(tool, "-t", "nat", "-F", c);
        }
        for (String c : chains) {
            sh(tool, "-t", "nat", "-X", c);
        }
    }
}
