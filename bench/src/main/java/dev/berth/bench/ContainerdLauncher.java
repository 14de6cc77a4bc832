package dev.berth.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Debian's containerd (1.6) as the peer, with its packaged default plugin set, in a temp dir of its own: root, state,
 * gRPC and ttrpc sockets, the {@code opt} plugin's directory and the CNI config directory all inside it, so nothing
 * on the host (/var/lib/containerd, /run/containerd, /etc/cni/net.d) is touched.
 */
final class ContainerdLauncher implements DaemonLauncher {
    private final String binary;

    ContainerdLauncher(String binary) {
        this.binary = binary;
    }

    @Override
    public String name() {
        return "containerd";
    }

    @Override
    public String version() throws IOException, InterruptedException {
        return Tools.output(List.of(binary, "--version"), 30).strip();
    }

    @Override
    public DaemonUnderTest launch(String plainHttpRegistry) throws IOException {
        return start(plainHttpRegistry, null, null);
    }

    /**
     * Also: {@code sandbox_image} is {@code sandboxImage} (the pause image is not reachable without internet), runc's
     * state root is inside the temp dir (the runc shim's default is /run/containerd/runc), and, where this process
     * lacks CAP_SYS_RESOURCE (these build containers), {@code restrict_oom_score_adj} keeps containerd from asking
     * runc for the pause container's -998, which runc cannot set there. Network namespaces are pinned under the CRI
     * plugin's state dir (in the temp dir) rather than /var/run/netns. With {@code cni}, the CRI plugin's
     * {@code conf_dir} and {@code bin_dir} are those.
     */
    @Override
    public DaemonUnderTest launchForPods(String plainHttpRegistry, String sandboxImage, Cni cni) throws IOException {
        return start(plainHttpRegistry, sandboxImage, cni);
    }

    private DaemonUnderTest start(String plainHttpRegistry, String sandboxImage, Cni cni) throws IOException {
        Path dir = TempDirs.create("containerd");
        Path socket = dir.resolve("containerd.sock");
        StringBuilder toml = new StringBuilder();
        toml.append("version = 2\n");
        toml.append("root = \"").append(dir.resolve("root")).append("\"\n");
        toml.append("state = \"").append(dir.resolve("state")).append("\"\n");
        toml.append("\n[grpc]\n  address = \"").append(socket).append("\"\n");
        toml.append("\n[ttrpc]\n  address = \"").append(dir.resolve("containerd.sock.ttrpc")).append("\"\n");
        toml.append("\n[plugins.\"io.containerd.internal.v1.opt\"]\n  path = \"").append(dir.resolve("opt")).append("\"\n");
        if (sandboxImage != null) {
            toml.append("\n[plugins.\"io.containerd.grpc.v1.cri\"]\n  sandbox_image = \"").append(sandboxImage).append("\"\n");
            if (!hasCapSysResource()) {
                toml.append("  restrict_oom_score_adj = true\n");
            }
            toml.append("  netns_mounts_under_state_dir = true\n");
            toml.append("\n[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]\n");
            toml.append("  runtime_type = \"io.containerd.runc.v2\"\n");
            toml.append("\n[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\n");
            toml.append("  Root = \"").append(dir.resolve("runc")).append("\"\n");
        }
        toml.append("\n[plugins.\"io.containerd.grpc.v1.cri\".cni]\n  conf_dir = \"")
                .append(cni == null ? dir.resolve("cni") : cni.confDir()).append("\"\n");
        if (cni != null) {
            toml.append("  bin_dir = \"").append(cni.binDir()).append("\"\n");
        }
        if (plainHttpRegistry != null) {
            toml.append("\n[plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors.\"").append(plainHttpRegistry).append("\"]\n");
            toml.append("  endpoint = [\"http://").append(plainHttpRegistry).append("\"]\n");
        }
        Files.writeString(dir.resolve("config.toml"), toml);
        return DaemonUnderTest.start(name(), dir, List.of(binary, "--config", dir.resolve("config.toml").toString()), socket);
    }

    /** Whether CapEff in /proc/self/status has CAP_SYS_RESOURCE (bit 24), which lowering oom_score_adj needs. */
    static boolean hasCapSysResource() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    return (Long.parseUnsignedLong(line.substring(7).strip(), 16) & (1L << 24)) != 0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // unknown: assume present, as on an ordinary root host
        }
        return true;
    }
}
