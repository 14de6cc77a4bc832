package dev.berth.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * berthd from the built distribution ({@code dist/target/berth}), with its default JVM flags and plugins, and its
 * Prometheus endpoint on a free loopback port unless {@link #withoutMetrics()}. Its default runtime handler holds pods'
 * namespaces the default way (pause-less) unless {@link #withPodInfra} says otherwise.
 */
final class BerthdLauncher implements DaemonLauncher {
    /** The {@code pod_infra} values of a runtime handler. */
    static final java.util.Set<String> POD_INFRA_MODES = java.util.Set.of("pauseless", "image");

    private final Path home;
    private final boolean metrics;
    private final String podInfra;

    BerthdLauncher(Path home) {
        this(home, true, "pauseless");
    }

    private BerthdLauncher(Path home, boolean metrics, String podInfra) {
        this.home = home;
        this.metrics = metrics;
        this.podInfra = podInfra;
    }

    /** The same berthd with the metrics endpoint off, as packaged: for start-up time and idle memory. */
    BerthdLauncher withoutMetrics() {
        return new BerthdLauncher(home, false, podInfra);
    }

    /**
     * The same berthd with its default handler ({@code runc}) in {@code mode}: "image" runs the sandbox image that
     * {@link #launchForPods} is given as every pod's infra container, as the peer does.
     */
    BerthdLauncher withPodInfra(String mode) {
        if (!POD_INFRA_MODES.contains(mode)) {
            throw new IllegalArgumentException("sandbox mode " + mode + " is not one of " + POD_INFRA_MODES);
        }
        return new BerthdLauncher(home, metrics, mode);
    }

    String podInfra() {
        return podInfra;
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

    /**
     * berthd uses {@code sandboxImage} only in image mode ({@link #withPodInfra}); with {@code cni}, the pod sandbox
     * controller networks pods with it.
     */
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
        if (podInfra.equals("image") && sandboxImage != null) {
            toml.append("\n[plugins.\"io.berth.grpc.v1.cri\"]\nsandbox_image = \"").append(sandboxImage).append("\"\n");
            toml.append("\n[plugins.\"io.berth.grpc.v1.cri\".runtimes.runc]\npod_infra = \"image\"\n");
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
