package dev.berth.core.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tomlj.Toml;
import org.tomlj.TomlParseResult;

/** containerd config.toml (version 2 and 3 layouts, as kubeadm nodes and containerd 2.x write them) to Berth's. */
class ContainerdConfigMigrationTest {
    private static final String V2 = """
            version = 2
            root = "/var/lib/containerd"
            state = "/run/containerd"
            oom_score = -999
            disabled_plugins = []

            [grpc]
              address = "/run/containerd/containerd.sock"
              uid = 0
              gid = 1000
              max_recv_message_size = 16777216
              max_send_message_size = 16777216

            [debug]
              level = "warning"

            [metrics]
              address = "127.0.0.1:1338"
              grpc_histogram = false

            [plugins]
              [plugins."io.containerd.grpc.v1.cri"]
                sandbox_image = "registry.k8s.io/pause:3.9"
                max_concurrent_downloads = 5
                enable_selinux = true
                stream_server_address = "0.0.0.0"
                stream_server_port = "10010"
                stream_idle_timeout = "4h0m0s"
                enable_tls_streaming = true
                restrict_oom_score_adj = false
                stats_collect_period = 10
                [plugins."io.containerd.grpc.v1.cri".x509_key_pair_streaming]
                  tls_cert_file = "/etc/containerd/stream.crt"
                  tls_key_file = "/etc/containerd/stream.key"
                [plugins."io.containerd.grpc.v1.cri".containerd]
                  snapshotter = "overlayfs"
                  default_runtime_name = "runc"
                  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes]
                    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
                      runtime_type = "io.containerd.runc.v2"
                      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
                        SystemdCgroup = true
                    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.crun]
                      runtime_type = "io.containerd.runc.v2"
                      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.crun.options]
                        BinaryName = "/usr/bin/crun"
                        SystemdCgroup = false
                    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.kata]
                      runtime_type = "io.containerd.kata.v2"
                      privileged_without_host_devices = true
                [plugins."io.containerd.grpc.v1.cri".cni]
                  bin_dir = "/opt/cni/bin"
                  conf_dir = "/etc/cni/net.d"
                  conf_template = "/etc/containerd/cni.template"
                  max_conf_num = 1
                [plugins."io.containerd.grpc.v1.cri".registry]
                  [plugins."io.containerd.grpc.v1.cri".registry.mirrors]
                    [plugins."io.containerd.grpc.v1.cri".registry.mirrors."docker.io"]
                      endpoint = ["https://mirror.example.com", "https://registry-1.docker.io"]
                  [plugins."io.containerd.grpc.v1.cri".registry.configs]
                    [plugins."io.containerd.grpc.v1.cri".registry.configs."registry.example.com:5000".auth]
                      auth = "Ym9iOnMzY3JldA=="
                      identitytoken = "tok"
                    [plugins."io.containerd.grpc.v1.cri".registry.configs."registry.example.com:5000".tls]
                      ca_file = "/etc/certs/ca.pem"
                      cert_file = "/etc/certs/client.pem"
                      key_file = "/etc/certs/client.key"
                      insecure_skip_verify = false
                    [plugins."io.containerd.grpc.v1.cri".registry.configs."quay.io".auth]
                      username = "robot"
                      password = "pw"
            """;

    private static final String V3 = """
            version = 3
            root = '/var/lib/containerd'
            state = '/run/containerd'

            [grpc]
              address = '/run/containerd/containerd.sock'

            [plugins]
              [plugins.'io.containerd.cri.v1.images']
                snapshotter = 'overlayfs'
                max_concurrent_downloads = 3
                image_pull_progress_timeout = '5m0s'
                [plugins.'io.containerd.cri.v1.images'.pinned_images]
                  sandbox = 'registry.k8s.io/pause:3.10'
                [plugins.'io.containerd.cri.v1.images'.registry]
                  config_path = '%s'

              [plugins.'io.containerd.cri.v1.runtime']
                enable_selinux = false
                max_container_log_line_size = 16384
                [plugins.'io.containerd.cri.v1.runtime'.containerd]
                  default_runtime_name = 'runc'
                  [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes]
                    [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
                      runtime_type = 'io.containerd.runc.v2'
                      sandboxer = 'podsandbox'
                      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
                        BinaryName = ''
                        SystemdCgroup = false
                        NoPivotRoot = true
                [plugins.'io.containerd.cri.v1.runtime'.cni]
                  bin_dirs = ['/usr/lib/cni', '/opt/cni/bin']
                  conf_dir = '/etc/cni/net.d'

              [plugins.'io.containerd.grpc.v1.cri']
                disable_tcp_service = true
                stream_server_address = '127.0.0.1'
                stream_server_port = '0'
                stream_idle_timeout = '1h30m0s'
                enable_tls_streaming = false
            """;

    @TempDir
    Path dir;

    private static TomlParseResult parsed(Migration m) {
        TomlParseResult t = Toml.parse(m.toml());
        assertThat(t.errors()).isEmpty();
        return t;
    }

    private static Object cri(TomlParseResult t, String... key) {
        List<String> path = new java.util.ArrayList<>(List.of("plugins", "io.berth.grpc.v1.cri"));
        path.addAll(List.of(key));
        return t.get(path);
    }

    private static List<String> keys(Migration m) {
        return m.unmapped().stream().map(Unmapped::key).toList();
    }

    @Test
    void version2CarriesTheCriSettingsOver() {
        Migration m = ContainerdConfigMigration.fromText(V2, Path.of("/etc/containerd/config.toml"));
        TomlParseResult t = parsed(m);
        assertThat(t.getLong("version")).isEqualTo(1);
        assertThat(t.getLong(List.of("grpc", "gid"))).isEqualTo(1000);
        assertThat(t.getString(List.of("debug", "level"))).isEqualTo("warn");
        assertThat(t.getString(List.of("metrics", "address"))).isEqualTo("127.0.0.1:1338");
        assertThat(cri(t, "sandbox_image")).isEqualTo("registry.k8s.io/pause:3.9");
        assertThat(cri(t, "snapshotter")).isEqualTo("overlayfs");
        assertThat(cri(t, "registry", "max_concurrent_downloads")).isEqualTo(5L);
        assertThat(cri(t, "stream_server_address")).isEqualTo("0.0.0.0");
        assertThat(cri(t, "stream_server_port")).isEqualTo("10010");
        assertThat(cri(t, "stream_idle_timeout")).isEqualTo("4h");
        assertThat(cri(t, "enable_tls_streaming")).isEqualTo(true);
        assertThat(cri(t, "stream_tls_cert_file")).isEqualTo("/etc/containerd/stream.crt");
        assertThat(cri(t, "stream_tls_key_file")).isEqualTo("/etc/containerd/stream.key");
        assertThat(cri(t, "default_runtime_name")).isEqualTo("runc");
        assertThat(cri(t, "runtimes", "runc", "runtime")).isEqualTo("runc");
        assertThat(cri(t, "runtimes", "crun", "runtime_path")).isEqualTo("/usr/bin/crun");
        assertThat(cri(t, "runtimes", "kata")).isNull();
        assertThat(t.getBoolean(List.of("plugins", "io.berth.runtime.v2.runc", "systemd_cgroup"))).isTrue();
        List<String> podsandbox = List.of("plugins", "io.berth.sandbox.controller.v1.podsandbox");
        assertThat(t.getArray(append(podsandbox, "cni_bin_dirs")).toList()).containsExactly("/opt/cni/bin");
        assertThat(t.getString(append(podsandbox, "cni_conf_dir"))).isEqualTo("/etc/cni/net.d");
        assertThat(t.getString(append(podsandbox, "cni_conf_template"))).isEqualTo("/etc/containerd/cni.template");
        assertThat(((org.tomlj.TomlArray) cri(t, "registry", "hosts", "docker.io", "mirrors")).toList())
                .containsExactly("https://mirror.example.com");
        assertThat(cri(t, "registry", "hosts", "registry.example.com:5000", "username")).isEqualTo("bob");
        assertThat(cri(t, "registry", "hosts", "registry.example.com:5000", "password")).isEqualTo("s3cret");
        assertThat(cri(t, "registry", "hosts", "registry.example.com:5000", "ca_file")).isEqualTo("/etc/certs/ca.pem");
        assertThat(cri(t, "registry", "hosts", "registry.example.com:5000", "cert_file")).isEqualTo("/etc/certs/client.pem");
        assertThat(cri(t, "registry", "hosts", "registry.example.com:5000", "key_file")).isEqualTo("/etc/certs/client.key");
        assertThat(cri(t, "registry", "hosts", "registry.example.com:5000", "skip_verify")).isNull();
        assertThat(cri(t, "registry", "hosts", "quay.io", "username")).isEqualTo("robot");
    }

    @Test
    void version2ListsWhatHasNoPlaceInBerth() {
        Migration m = ContainerdConfigMigration.fromText(V2, Path.of("/etc/containerd/config.toml"));
        String cri = "plugins.\"io.containerd.grpc.v1.cri\"";
        assertThat(keys(m)).containsExactlyInAnyOrder(
                "grpc.address",
                "root", "state", "oom_score",
                cri + ".enable_selinux",
                cri + ".stats_collect_period",
                cri + ".containerd.runtimes.kata",
                cri + ".containerd.runtimes.crun.options.SystemdCgroup",
                cri + ".registry.configs.\"registry.example.com:5000\".auth.identitytoken");
        assertThat(m.unmapped()).anySatisfy(u -> assertThat(u.toString()).isEqualTo(
                cri + ".enable_selinux: Berth does not apply SELinux labels"));
        assertThat(m.unmapped()).anySatisfy(u -> assertThat(u.toString()).startsWith(
                cri + ".containerd.runtimes.kata: runtime_type \"io.containerd.kata.v2\" has no Berth equivalent"));
        assertThat(m.unmapped()).anySatisfy(u -> assertThat(u.toString()).contains("--container-runtime-endpoint=unix:///run/berth/berth.sock"));
    }

    @Test
    void version3ReadsTheSplitPluginsAndTheHostsDirectory() throws Exception {
        Path certs = dir.resolve("certs.d");
        Files.createDirectories(certs.resolve("docker.io"));
        Files.writeString(certs.resolve("docker.io/hosts.toml"), """
                server = "https://registry-1.docker.io"

                [host."https://mirror.gcr.io"]
                  capabilities = ["pull", "resolve"]

                [host."http://10.0.0.5:5000"]
                  capabilities = ["pull"]
                  skip_verify = true
                """);
        Files.createDirectories(certs.resolve("registry.internal"));
        Files.writeString(certs.resolve("registry.internal/hosts.toml"), """
                server = "https://registry.internal"
                ca = "/etc/certs/internal-ca.pem"
                client = [["/etc/certs/c.pem", "/etc/certs/c.key"]]

                [host."https://push-only.internal"]
                  capabilities = ["push"]
                """);
        Migration m = ContainerdConfigMigration.fromText(V3.formatted(certs), Path.of("config.toml"));
        TomlParseResult t = parsed(m);
        assertThat(cri(t, "sandbox_image")).isEqualTo("registry.k8s.io/pause:3.10");
        assertThat(cri(t, "snapshotter")).isEqualTo("overlayfs");
        assertThat(cri(t, "registry", "max_concurrent_downloads")).isEqualTo(3L);
        assertThat(cri(t, "stream_idle_timeout")).isEqualTo("90m");
        assertThat(cri(t, "enable_tls_streaming")).isEqualTo(false);
        assertThat(cri(t, "runtimes", "runc", "runtime_path")).isNull();
        assertThat(t.get(List.of("plugins", "io.berth.runtime.v2.runc", "systemd_cgroup"))).isNull();
        assertThat(t.getArray(List.of("plugins", "io.berth.sandbox.controller.v1.podsandbox", "cni_bin_dirs")).toList())
                .containsExactly("/usr/lib/cni", "/opt/cni/bin");
        assertThat(((org.tomlj.TomlArray) cri(t, "registry", "hosts", "docker.io", "mirrors")).toList())
                .containsExactly("https://mirror.gcr.io", "http://10.0.0.5:5000");
        assertThat(cri(t, "registry", "hosts", "registry.internal", "ca_file")).isEqualTo("/etc/certs/internal-ca.pem");
        assertThat(cri(t, "registry", "hosts", "registry.internal", "cert_file")).isEqualTo("/etc/certs/c.pem");
        assertThat(cri(t, "registry", "hosts", "registry.internal", "key_file")).isEqualTo("/etc/certs/c.key");

        String runtime = "plugins.\"io.containerd.cri.v1.runtime\"";
        assertThat(keys(m)).contains(
                "grpc.address", "root", "state",
                "plugins.\"io.containerd.cri.v1.images\".image_pull_progress_timeout",
                runtime + ".max_container_log_line_size",
                runtime + ".containerd.runtimes.runc.options.NoPivotRoot",
                "plugins.\"io.containerd.grpc.v1.cri\".disable_tcp_service",
                certs.resolve("docker.io/hosts.toml") + ": host.\"http://10.0.0.5:5000\".skip_verify",
                certs.resolve("registry.internal/hosts.toml") + ": host.\"https://push-only.internal\"");
        assertThat(keys(m)).doesNotContain(runtime + ".enable_selinux") // false asks for nothing
                .doesNotContain(runtime + ".containerd.runtimes.runc.sandboxer");
        assertThat(cri(t, "runtimes", "runc", "pod_infra")).isEqualTo("pauseless");
        assertThat(m.notes()).singleElement().asString().startsWith("runtime handler runc: containerd ran sandbox_image");
    }

    private static final String PER_HANDLER_V2 = """
            version = 2
            [plugins."io.containerd.grpc.v1.cri".containerd]
              snapshotter = "overlayfs"
              [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
                runtime_type = "io.containerd.runc.v2"
                sandbox_mode = "podsandbox"
                snapshotter = ""
              [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.fast]
                runtime_type = "io.containerd.runc.v2"
                snapshotter = "overlayfs"
                [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.fast.options]
                  BinaryName = "crun"
              [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.sandboxed]
                runtime_type = "io.containerd.runc.v2"
                sandbox_mode = "shim"
                snapshotter = "zfs"
            """;

    @Test
    void eachHandlersSnapshotterAndSandboxModeCarryOverFromVersion2() {
        Migration m = ContainerdConfigMigration.fromText(PER_HANDLER_V2, Path.of("c.toml"));
        TomlParseResult t = parsed(m);
        assertThat(cri(t, "snapshotter")).isEqualTo("overlayfs");
        assertThat(cri(t, "runtimes", "runc", "snapshotter")).isNull(); // "": the CRI's snapshotter, as in containerd
        assertThat(cri(t, "runtimes", "fast", "snapshotter")).isEqualTo("overlayfs");
        assertThat(cri(t, "runtimes", "fast", "runtime_path")).isEqualTo("crun");
        assertThat(cri(t, "runtimes", "sandboxed", "snapshotter")).isNull();
        // containerd ran pause containers for runc and fast: Berth stays pause-less, says so, and says how to undo it
        assertThat(cri(t, "runtimes", "runc", "pod_infra")).isEqualTo("pauseless");
        assertThat(cri(t, "runtimes", "fast", "pod_infra")).isEqualTo("pauseless");
        assertThat(cri(t, "runtimes", "sandboxed", "pod_infra")).isNull();
        assertThat(cri(t, "runtimes", "sandboxed", "sandboxer")).isEqualTo("podsandbox");
        assertThat(m.notes()).containsExactly("runtime handlers runc, fast: containerd ran sandbox_image as a pause container"
                + " in every pod (sandbox mode \"podsandbox\"); Berth keeps pod_infra = \"pauseless\": the pod's namespaces are"
                + " held without a process, so pods start faster and need no process of their own. pod_infra = \"image\" in"
                + " a handler's table (e.g. [plugins.\"io.berth.grpc.v1.cri\".runtimes.runc]) runs the pause container as"
                + " containerd did.");

        String sandboxed = "plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.sandboxed";
        assertThat(m.unmapped()).extracting(Unmapped::toString).containsExactlyInAnyOrder(
                sandboxed + ".snapshotter: \"zfs\" is not a snapshotter Berth ships (it has overlayfs), so overlayfs is used;"
                        + " with a Berth snapshotter plugin of that id in plugin_dir, set snapshotter = \"zfs\" in"
                        + " [plugins.\"io.berth.grpc.v1.cri\".runtimes.sandboxed]",
                sandboxed + ".sandbox_mode: \"shim\" hands the pod to the runtime's shim through containerd's sandbox API,"
                        + " which Berth does not have; Berth builds the pod itself (pod_infra = \"pauseless\", or \"image\""
                        + " for a pause container)");
    }

    @Test
    void version3NamesTheSandboxModeSandboxer() {
        Migration m = ContainerdConfigMigration.fromText("""
                version = 3
                [plugins.'io.containerd.cri.v1.images']
                  snapshotter = 'native'
                [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
                  runtime_type = 'io.containerd.runc.v2'
                  sandboxer = 'shim'
                  snapshotter = 'overlayfs'
                [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.kata]
                  runtime_type = 'io.containerd.kata.v2'
                  sandboxer = 'podsandbox'
                  snapshotter = 'devmapper'
                """, Path.of("c.toml"));
        TomlParseResult t = parsed(m);
        assertThat(cri(t, "snapshotter")).isNull();
        assertThat(cri(t, "runtimes", "runc", "snapshotter")).isEqualTo("overlayfs");
        assertThat(cri(t, "runtimes", "runc", "pod_infra")).isNull();
        assertThat(m.notes()).isEmpty(); // kata was not migrated, runc's pods were never containerd's pause containers
        String runtimes = "plugins.\"io.containerd.cri.v1.runtime\".containerd.runtimes";
        assertThat(keys(m)).containsExactlyInAnyOrder("plugins.\"io.containerd.cri.v1.images\".snapshotter",
                runtimes + ".runc.sandboxer", runtimes + ".kata");
        assertThat(m.unmapped()).anySatisfy(u -> assertThat(u.toString()).isEqualTo("plugins.\"io.containerd.cri.v1.images\""
                + ".snapshotter: \"native\" is not a snapshotter Berth ships (it has overlayfs), so overlayfs is used; with a"
                + " Berth snapshotter plugin of that id in plugin_dir, set snapshotter = \"native\" in [plugins.\"io.berth.grpc.v1.cri\"]"));
    }

    @Test
    void aMissingHostsDirectoryIsReported() {
        Migration m = ContainerdConfigMigration.fromText(V3.formatted("/nonexistent/certs.d"), Path.of("config.toml"));
        assertThat(m.unmapped()).anySatisfy(u -> assertThat(u.toString()).startsWith(
                "/nonexistent/certs.d: registry.config_path names no directory here"));
    }

    @Test
    void aDefaultHandlerThatCannotMoveLeavesRuncTheDefault() {
        Migration m = ContainerdConfigMigration.fromText("""
                version = 2
                [plugins."io.containerd.grpc.v1.cri".containerd]
                  default_runtime_name = "gvisor"
                  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.gvisor]
                    runtime_type = "io.containerd.runsc.v1"
                """, Path.of("c.toml"));
        assertThat(cri(parsed(m), "default_runtime_name")).isNull();
        assertThat(m.unmapped()).anySatisfy(u -> assertThat(u.toString()).isEqualTo(
                "plugins.\"io.containerd.grpc.v1.cri\".containerd.default_runtime_name: handler \"gvisor\" was not migrated; "
                        + "Berth's default stays runc"));
    }

    @Test
    void invalidTomlNamesTheLine() {
        assertThatThrownBy(() -> ContainerdConfigMigration.fromText("version = 2\n[plugins\n", Path.of("c.toml")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("c.toml:2:");
    }

    @Test
    void goDurationsBecomeOneUnit() {
        assertThat(GoDurations.toBerth("4h0m0s")).contains("4h");
        assertThat(GoDurations.toBerth("1m30s")).contains("90s");
        assertThat(GoDurations.toBerth("500ms")).contains("500ms");
        assertThat(GoDurations.toBerth("1.5h")).contains("90m");
        assertThat(GoDurations.toBerth("0")).contains("0s");
        assertThat(GoDurations.toBerth("4 hours")).isEmpty();
    }

    private static List<String> append(List<String> path, String key) {
        return TomlLeaves.append(path, key);
    }
}
