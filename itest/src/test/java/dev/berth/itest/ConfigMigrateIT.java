package dev.berth.itest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code berthd config migrate --from-containerd} as an operator runs it on a node: the built berthd reads a
 * containerd config, prints a Berth config on stdout and what it left out (and notes on what differs by choice) on
 * stderr, and {@code berthd config check} (with every built-in plugin's schema) accepts the result.
 */
class ConfigMigrateIT {
    private static final String CONTAINERD_V2 = """
            version = 2
            root = "/var/lib/containerd"
            state = "/run/containerd"
            [grpc]
              address = "/run/containerd/containerd.sock"
              gid = 0
            [debug]
              level = "info"
            [plugins."io.containerd.grpc.v1.cri"]
              sandbox_image = "registry.k8s.io/pause:3.9"
              enable_selinux = true
              max_concurrent_downloads = 4
              stream_idle_timeout = "4h0m0s"
              [plugins."io.containerd.grpc.v1.cri".containerd]
                snapshotter = "overlayfs"
                default_runtime_name = "runc"
                [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
                  runtime_type = "io.containerd.runc.v2"
                  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
                    SystemdCgroup = false
                [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.crun]
                  runtime_type = "io.containerd.runc.v2"
                  sandbox_mode = "podsandbox"
                  snapshotter = "overlayfs"
                  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.crun.options]
                    BinaryName = "crun"
                [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.sandboxed]
                  runtime_type = "io.containerd.runc.v2"
                  sandbox_mode = "shim"
                  snapshotter = "devmapper"
              [plugins."io.containerd.grpc.v1.cri".cni]
                bin_dir = "/usr/lib/cni"
                conf_dir = "/etc/cni/net.d"
              [plugins."io.containerd.grpc.v1.cri".registry.mirrors."docker.io"]
                endpoint = ["http://127.0.0.1:5000"]
              [plugins."io.containerd.grpc.v1.cri".registry.configs."127.0.0.1:5001".auth]
                username = "u"
                password = "p"
            """;

    private static final String CONTAINERD_V3 = """
            version = 3
            [plugins.'io.containerd.cri.v1.images']
              snapshotter = 'overlayfs'
              [plugins.'io.containerd.cri.v1.images'.pinned_images]
                sandbox = 'registry.k8s.io/pause:3.10'
              [plugins.'io.containerd.cri.v1.images'.registry]
                config_path = '%s'
            [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
              runtime_type = 'io.containerd.runc.v2'
              sandboxer = 'podsandbox'
              snapshotter = 'overlayfs'
            [plugins.'io.containerd.cri.v1.runtime'.cni]
              bin_dirs = ['/usr/lib/cni']
            [plugins.'io.containerd.grpc.v1.cri']
              stream_server_port = '0'
            """;

    @TempDir
    Path dir;

    private record Run(int exitCode, String out, String err) {
    }

    private static Run berthd(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(Berthd.HOME.resolve("bin/berthd").toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).start();
        var err = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("berthd " + args[0] + " did not finish");
        }
        return new Run(p.exitValue(), out, err.get(10, TimeUnit.SECONDS));
    }

    private Run migrateAndCheck(String containerdConfig) throws Exception {
        Path from = Files.writeString(dir.resolve("containerd.toml"), containerdConfig);
        Run migrate = berthd("config", "migrate", "--from-containerd", from.toString());
        assertThat(migrate.exitCode()).as(migrate.err()).isZero();
        Path to = Files.writeString(dir.resolve("berth.toml"), migrate.out());
        Run check = berthd("config", "check", to.toString());
        assertThat(check.exitCode()).as(check.out() + check.err() + "\n" + migrate.out()).isZero();
        assertThat(check.out()).contains(to + ": ok (0 errors, 0 warnings)");
        return migrate;
    }

    @Test
    void aVersion2ConfigMigratesToOneThatBerthdAccepts() throws Exception {
        Run m = migrateAndCheck(CONTAINERD_V2);
        assertThat(m.out()).contains("sandbox_image = \"registry.k8s.io/pause:3.9\"", "stream_idle_timeout = \"4h\"",
                "[plugins.\"io.berth.grpc.v1.cri\".runtimes.crun]", "runtime_path = \"crun\"",
                "[plugins.\"io.berth.grpc.v1.cri\".registry.hosts.\"docker.io\"]", "mirrors = [\"http://127.0.0.1:5000\"]",
                "cni_bin_dirs = [\"/usr/lib/cni\"]", "max_concurrent_downloads = 4");
        // a handler's snapshotter, and the pause-less pods it gets instead of containerd's pause containers
        assertThat(m.out()).contains("[plugins.\"io.berth.grpc.v1.cri\".runtimes.crun]\nsandboxer = \"podsandbox\"\n"
                + "runtime = \"runc\"\nruntime_path = \"crun\"\nsnapshotter = \"overlayfs\"\npod_infra = \"pauseless\"\n",
                "[plugins.\"io.berth.grpc.v1.cri\".runtimes.sandboxed]\nsandboxer = \"podsandbox\"\nruntime = \"runc\"\n\n");
        String sandboxed = "plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.sandboxed";
        assertThat(m.err()).contains("not migrated (6):", "grpc.address: Berth listens on /run/berth/berth.sock",
                "plugins.\"io.containerd.grpc.v1.cri\".enable_selinux: Berth does not apply SELinux labels", "root: ", "state: ",
                sandboxed + ".sandbox_mode: \"shim\" hands the pod to the runtime's shim",
                sandboxed + ".snapshotter: \"devmapper\" is not a snapshotter Berth ships",
                "notes:\n  runtime handlers runc, crun: containerd ran sandbox_image as a pause container in every pod",
                "pod_infra = \"image\" in a handler's table (e.g. [plugins.\"io.berth.grpc.v1.cri\".runtimes.runc]) runs the"
                        + " pause container as containerd did.");
    }

    @Test
    void aVersion3ConfigWithAHostsDirectoryMigratesToOneThatBerthdAccepts() throws Exception {
        Path certs = Files.createDirectories(dir.resolve("certs.d/docker.io"));
        Files.writeString(certs.resolve("hosts.toml"), """
                server = "https://registry-1.docker.io"
                [host."http://127.0.0.1:5000"]
                  capabilities = ["pull", "resolve"]
                """);
        Run m = migrateAndCheck(CONTAINERD_V3.formatted(dir.resolve("certs.d")));
        assertThat(m.out()).contains("sandbox_image = \"registry.k8s.io/pause:3.10\"", "mirrors = [\"http://127.0.0.1:5000\"]",
                "[plugins.\"io.berth.grpc.v1.cri\".runtimes.runc]\nsandboxer = \"podsandbox\"\nruntime = \"runc\"\n"
                        + "snapshotter = \"overlayfs\"\npod_infra = \"pauseless\"\n");
        // nothing left out; only the note on the pause container
        assertThat(m.err()).startsWith("notes:\n  runtime handler runc: containerd ran sandbox_image as a pause container")
                .hasLineCount(2);
    }

    @Test
    void aFileThatIsNotTomlFailsNamingTheLine() throws Exception {
        Path from = Files.writeString(dir.resolve("broken.toml"), "version = 2\n[plugins\n");
        Run r = berthd("config", "migrate", "--from-containerd", from.toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains(from + " is not valid TOML", from + ":2:");
    }
}
