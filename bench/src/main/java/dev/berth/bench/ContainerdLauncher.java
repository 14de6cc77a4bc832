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
        Path dir = TempDirs.create("containerd");
        Path socket = dir.resolve("containerd.sock");
        StringBuilder toml = new StringBuilder();
        toml.append("version = 2\n");
        toml.append("root = \"").append(dir.resolve("root")).append("\"\n");
        toml.append("state = \"").append(dir.resolve("state")).append("\"\n");
        toml.append("\n[grpc]\n  address = \"").append(socket).append("\"\n");
        toml.append("\n[ttrpc]\n  address = \"").append(dir.resolve("containerd.sock.ttrpc")).append("\"\n");
        toml.append("\n[plugins.\"io.containerd.internal.v1.opt\"]\n  path = \"").append(dir.resolve("opt")).append("\"\n");
        toml.append("\n[plugins.\"io.containerd.grpc.v1.cri\".cni]\n  conf_dir = \"").append(dir.resolve("cni")).append("\"\n");
        if (plainHttpRegistry != null) {
            toml.append("\n[plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors.\"").append(plainHttpRegistry).append("\"]\n");
            toml.append("  endpoint = [\"http://").append(plainHttpRegistry).append("\"]\n");
        }
        Files.writeString(dir.resolve("config.toml"), toml);
        return DaemonUnderTest.start(name(), dir, List.of(binary, "--config", dir.resolve("config.toml").toString()), socket);
    }
}
