package dev.berth.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * berthd from the built distribution ({@code dist/target/berth}), with its default JVM flags and plugins, and its
 * Prometheus endpoint on a free loopback port unless {@link #withoutMetrics()}.
 */
final class BerthdLauncher implements DaemonLauncher {
    private final Path home;
    private final boolean metrics;

    BerthdLauncher(Path home) {
        this(home, true);
    }

    private BerthdLauncher(Path home, boolean metrics) {
        this.home = home;
        this.metrics = metrics;
    }

    /** The same berthd with the metrics endpoint off, as packaged: for start-up time and idle memory. */
    BerthdLauncher withoutMetrics() {
        return new BerthdLauncher(home, false);
    }

    @Override
    public String name() {
        return "berth";
    }

    Path berthd() {
        return home.resolve("bin/berthd");
    }

    @Override
    public String version() throws IOException, InterruptedException {
        return Tools.output(List.of(berthd().toString(), "--version"), 30).strip();
    }

    @Override
    public DaemonUnderTest launch(String plainHttpRegistry) throws IOException {
        return launchForPods(plainHttpRegistry, null, null);
    }

    /** berthd needs no sandbox image; with {@code cni}, the pod sandbox controller networks pods with it. */
    @Override
    public DaemonUnderTest launchForPods(String plainHttpRegistry, String sandboxImage, Cni cni) throws IOException {
        Path dir = TempDirs.create("berthd");
        StringBuilder toml = new StringBuilder();
        toml.append("version = 1\n");
        toml.append("root = \"").append(dir.resolve("root")).append("\"\n");
        toml.append("state = \"").append(dir.resolve("state")).append("\"\n");
        toml.append("plugin_dir = \"").append(dir.resolve("plugins")).append("\"\n");
        toml.append("\n[grpc]\naddress = \"").append(dir.resolve("berth.sock")).append("\"\n");
        // the harness reads berthd's own figures from it (DaemonMetrics)
        int metricsPort = metrics ? DaemonMetrics.freePort() : 0;
        if (metrics) {
            toml.append("\n[metrics]\naddress = \"127.0.0.1:").append(metricsPort).append("\"\n");
        }
        if (plainHttpRegistry != null) {
            toml.append("\n[plugins.\"io.berth.grpc.v1.cri\".registry.hosts.\"").append(plainHttpRegistry).append("\"]\n");
            toml.append("plain_http = true\n");
        }
        if (cni != null) {
            toml.append("\n[plugins.\"io.berth.sandbox.controller.v1.podsandbox\"]\n");
            toml.append("cni_conf_dir = \"").append(cni.confDir()).append("\"\n");
            toml.append("cni_bin_dirs = [\"").append(cni.binDir()).append("\"]\n");
        }
        Files.writeString(dir.resolve("config.toml"), toml);
        return DaemonUnderTest.start(name(), dir, List.of(berthd().toString(), "--config", dir.resolve("config.toml").toString()),
                dir.resolve("berth.sock"), metricsPort);
    }
}
