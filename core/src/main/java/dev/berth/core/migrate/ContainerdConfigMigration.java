package dev.berth.core.migrate;

import static dev.berth.core.migrate.TomlLeaves.append;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.tomlj.Toml;
import org.tomlj.TomlParseResult;

/**
 * {@code berthd config migrate --from-containerd FILE}: carries a containerd {@code config.toml} (version 1, 2 or 3
 * layout) over to a Berth config: the CRI plugin's sandbox image, registry mirrors, credentials and TLS files
 * (also from a {@code config_path} hosts directory), CNI directories, runc runtime handlers with their binaries,
 * systemd cgroups and snapshotters, the streaming server, and the daemon's socket permissions, log level and metrics
 * address. Every other setting that asks for something is listed with the reason it has no place in Berth.
 *
 * <p>Two choices a user should know about:
 * <ul>
 *   <li>A snapshotter other than {@code overlayfs} (the whole CRI's or one handler's) is not carried over: Berth ships
 *   no other, and a handler naming a snapshotter that is not installed fails every pod, whereas without it the pods run
 *   on overlayfs. The listed reason says how to name it again once a Berth plugin of that id is in {@code plugin_dir}.</li>
 *   <li>A handler in containerd's {@code podsandbox} sandbox mode (its default; {@code sandbox_mode} in containerd 1.x,
 *   {@code sandboxer} in 2.x) runs {@code sandbox_image} as a pause container in every pod. The migrated handler keeps
 *   Berth's default {@code pod_infra = "pauseless"}, written out so it can be seen: the pod's namespaces are pinned
 *   without a process, which starts pods faster and saves a process per pod, while the containers get the same
 *   namespaces. Users who want the pause container anyway (a tool that looks for it, say) set
 *   {@code pod_infra = "image"}, as the printed note says. containerd's {@code shim} mode hands the pod to the
 *   runtime's shim through its sandbox API, which Berth does not have: listed as not migrated.</li>
 * </ul>
 */
public final class ContainerdConfigMigration {
    static final List<String> CRI = List.of("plugins", "io.berth.grpc.v1.cri");
    static final List<String> REGISTRY = append(CRI, "registry");
    static final List<String> RUNC = List.of("plugins", "io.berth.runtime.v2.runc");
    static final List<String> PODSANDBOX = List.of("plugins", "io.berth.sandbox.controller.v1.podsandbox");
    private static final Set<String> RUNC_TYPES = Set.of("io.containerd.runc.v2", "io.containerd.runc.v1",
            "io.containerd.runtime.v1.linux");
    private static final Map<String, String> REASONS = Map.ofEntries(
            Map.entry("enable_selinux", "Berth does not apply SELinux labels"),
            Map.entry("selinux_category_range", "Berth does not apply SELinux labels"),
            Map.entry("restrict_oom_score_adj", "not needed: Berth clamps oom_score_adj by itself when it lacks CAP_SYS_RESOURCE"),
            Map.entry("stats_collect_period", "Berth reads stats when asked; there is no periodic collection"),
            Map.entry("max_container_log_line_size", "Berth has no line limit; log_size_max of io.berth.runtime.v2.runc caps the whole file"),
            Map.entry("oom_score", "set OOMScoreAdjust in the systemd unit (Berth's has -999)"),
            Map.entry("disabled_plugins", "containerd plugin ids; Berth's plugins have other ids (berthctl plugins ls)"),
            Map.entry("required_plugins", "containerd plugin ids; Berth's plugins have other ids (berthctl plugins ls)"),
            Map.entry("imports", "imported files are not read: migrate each of them as well"),
            Map.entry("disable_tcp_service", "Berth serves CRI on its unix socket only"),
            Map.entry("image_pull_progress_timeout", "Berth has no pull progress timeout"),
            Map.entry("root", "containerd's own directory; Berth keeps its data under /var/lib/berth (root)"),
            Map.entry("state", "containerd's own directory; Berth keeps its state under /run/berth (state)"),
            Map.entry("identitytoken", "Berth takes identity tokens only from the kubelet's PullImage auth"),
            Map.entry("privileged_without_host_devices", "Berth gives privileged containers the host's devices"),
            Map.entry("base_runtime_spec", "Berth builds every OCI spec from the CRI request and the image"));

    private final TomlLeaves in;
    private final Path file;
    private final BerthConfigBuilder out = new BerthConfigBuilder();
    private final List<Unmapped> unmapped = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    private ContainerdConfigMigration(TomlLeaves in, Path file) {
        this.in = in;
        this.file = file;
    }

    /**
     * Migrates {@code file}.
     *
     * @throws IOException when it cannot be read
     * @throws IllegalArgumentException when it is not valid TOML (with line and column)
     */
    public static Migration fromFile(Path file) throws IOException {
        return parse(Toml.parse(file), file);
    }

    /** Migrates a config given as text; {@code file} names it in messages. */
    public static Migration fromText(String toml, Path file) {
        return parse(Toml.parse(toml), file);
    }

    private static Migration parse(TomlParseResult toml, Path file) {
        if (toml.hasErrors()) {
            throw new IllegalArgumentException(toml.errors().stream().map(e -> (CharSequence) (file + ":" + e.position().line()
                    + ":" + e.position().column() + ": " + e.getMessage())).collect(Collectors.joining("\n")));
        }
        return new ContainerdConfigMigration(new TomlLeaves(toml), file).migrate();
    }

    /** Where a config version keeps the CRI settings; version 3 splits them over three plugins. */
    private record Layout(long version, List<String> images, List<String> runtime, List<String> server,
                          List<String> sandboxImage, List<String> snapshotter) {
        static Layout of(long version) {
            if (version >= 3) {
                List<String> images = List.of("plugins", "io.containerd.cri.v1.images");
                return new Layout(version, images, List.of("plugins", "io.containerd.cri.v1.runtime"),
                        List.of("plugins", "io.containerd.grpc.v1.cri"), append(images, "pinned_images", "sandbox"),
                        append(images, "snapshotter"));
            }
            List<String> cri = version == 2 ? List.of("plugins", "io.containerd.grpc.v1.cri") : List.of("plugins", "cri");
            return new Layout(version, cri, cri, cri, append(cri, "sandbox_image"), append(cri, "containerd", "snapshotter"));
        }
    }

    private Migration migrate() {
        long version = in.number(List.of("version")).orElse(1L);
        Layout l = Layout.of(version);
        out.set(List.of(), "version", 1L);
        daemon();
        images(l);
        registry(append(l.images(), "registry"));
        runtimes(l);
        cni(append(l.runtime(), "cni"));
        streaming(l.server());
        leftovers();
        String header = "# Migrated by `berthd config migrate` from " + file + " (containerd config version " + version
                + ").\n# The settings it could not carry over were listed on stderr when it ran.\n";
        return new Migration(out.toToml(header), unmapped, notes);
    }

    private void daemon() {
        in.string(List.of("grpc", "address")).ifPresent(a -> unmapped.add(new Unmapped("grpc.address",
                "Berth listens on /run/berth/berth.sock: give the kubelet --container-runtime-endpoint=unix:///run/berth/berth.sock")));
        for (String k : List.of("uid", "gid", "max_recv_message_size", "max_send_message_size")) {
            in.number(List.of("grpc", k)).ifPresent(v -> out.set(List.of("grpc"), k, v));
        }
        in.nonEmpty(List.of("debug", "level")).ifPresent(level -> {
            String berth = switch (level) {
                case "warning" -> "warn";
                case "fatal", "panic" -> "error";
                default -> level;
            };
            out.set(List.of("debug"), "level", berth);
        });
        in.nonEmpty(List.of("debug", "format")).ifPresent(f -> out.set(List.of("debug"), "format", f));
        in.nonEmpty(List.of("metrics", "address")).ifPresent(a -> out.set(List.of("metrics"), "address", a));
    }

    private void images(Layout l) {
        in.nonEmpty(l.sandboxImage()).ifPresent(i -> out.set(CRI, "sandbox_image", i));
        snapshotter(l.snapshotter(), CRI);
        in.number(append(l.images(), "max_concurrent_downloads"))
                .ifPresent(n -> out.set(REGISTRY, "max_concurrent_downloads", n));
    }

    /** Carries a snapshotter name over to {@code table} if Berth ships that snapshotter (see the class comment). */
    private void snapshotter(List<String> from, List<String> table) {
        in.nonEmpty(from).ifPresent(s -> {
            if (s.equals("overlayfs")) {
                out.set(table, "snapshotter", s);
            } else {
                unmapped.add(new Unmapped(key(from), "\"" + s + "\" is not a snapshotter Berth ships (it has overlayfs), so"
                        + " overlayfs is used; with a Berth snapshotter plugin of that id in plugin_dir, set snapshotter = \""
                        + s + "\" in [" + key(table) + "]"));
            }
        });
    }

    private void registry(List<String> reg) {
        for (String host : in.children(append(reg, "mirrors"))) {
            List<String> endpoints = strings(append(reg, "mirrors", host, "endpoint"));
            List<String> mirrors = endpoints.stream().filter(e -> !isUpstream(host, e)).toList();
            if (!mirrors.isEmpty()) {
                out.set(hostTable(host), "mirrors", mirrors);
            }
        }
        for (String host : in.children(append(reg, "configs"))) {
            List<String> auth = append(reg, "configs", host, "auth");
            in.nonEmpty(append(auth, "username")).ifPresent(u -> out.set(hostTable(host), "username", u));
            in.nonEmpty(append(auth, "password")).ifPresent(p -> out.set(hostTable(host), "password", p));
            in.nonEmpty(append(auth, "auth")).ifPresent(a -> basicAuth(host, a, append(auth, "auth")));
            List<String> tls = append(reg, "configs", host, "tls");
            in.nonEmpty(append(tls, "ca_file")).ifPresent(f -> out.set(hostTable(host), "ca_file", f));
            in.nonEmpty(append(tls, "cert_file")).ifPresent(f -> out.set(hostTable(host), "cert_file", f));
            in.nonEmpty(append(tls, "key_file")).ifPresent(f -> out.set(hostTable(host), "key_file", f));
            in.bool(append(tls, "insecure_skip_verify")).filter(b -> b).ifPresent(b -> out.set(hostTable(host), "skip_verify", true));
        }
        in.nonEmpty(append(reg, "config_path")).ifPresent(dirs -> {
            for (String dir : dirs.split(":")) {
                new HostsDirectory(Path.of(dir), out, unmapped).migrate();
            }
        });
    }

    /** containerd lists docker.io's own endpoint among its mirrors; Berth tries the host itself after them anyway. */
    private static boolean isUpstream(String host, String endpoint) {
        String e = endpoint.replaceAll("/+$", "");
        return e.equals("https://" + host) || host.equals("docker.io") && e.equals("https://registry-1.docker.io");
    }

    private void basicAuth(String host, String base64, List<String> path) {
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(base64.trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            unmapped.add(new Unmapped(key(path), "not base64 of user:password"));
            return;
        }
        int colon = decoded.indexOf(':');
        if (colon <= 0) {
            unmapped.add(new Unmapped(key(path), "not base64 of user:password"));
            return;
        }
        out.set(hostTable(host), "username", decoded.substring(0, colon));
        out.set(hostTable(host), "password", decoded.substring(colon + 1));
    }

    static List<String> hostTable(String host) {
        return append(REGISTRY, "hosts", host);
    }

    private void runtimes(Layout l) {
        List<String> ctd = append(l.runtime(), "containerd");
        Map<String, Boolean> systemd = new LinkedHashMap<>();
        List<String> migrated = new ArrayList<>();
        List<String> pauseContainers = new ArrayList<>();
        for (String name : in.children(append(ctd, "runtimes"))) {
            List<String> base = append(ctd, "runtimes", name);
            String type = in.string(append(base, "runtime_type")).orElse("");
            if (!RUNC_TYPES.contains(type)) {
                in.takeAll(base);
                unmapped.add(new Unmapped(key(base), "runtime_type \"" + type + "\" has no Berth equivalent (Berth runs OCI "
                        + "runtimes such as runc and crun under conmon); this handler is left out"));
                continue;
            }
            migrated.add(name);
            List<String> handler = append(CRI, "runtimes", name);
            out.set(handler, "sandboxer", "podsandbox").set(handler, "runtime", "runc");
            in.nonEmpty(append(base, "options", "BinaryName")).ifPresent(b -> out.set(handler, "runtime_path", b));
            in.bool(append(base, "options", "SystemdCgroup")).ifPresent(b -> systemd.put(name, b));
            snapshotter(append(base, "snapshotter"), handler);
            if (podSandboxMode(base)) {
                out.set(handler, "pod_infra", "pauseless");
                pauseContainers.add(name);
            }
        }
        if (!pauseContainers.isEmpty()) {
            notes.add("runtime handler" + (pauseContainers.size() == 1 ? " " : "s ") + String.join(", ", pauseContainers)
                    + ": containerd ran sandbox_image as a pause container in every pod (sandbox mode \"podsandbox\");"
                    + " Berth keeps pod_infra = \"pauseless\": the pod's namespaces are held without a process, so pods"
                    + " start faster and need no process of their own. pod_infra = \"image\" in a handler's table (e.g. ["
                    + key(append(CRI, "runtimes", pauseContainers.get(0))) + "]) runs the pause container as containerd did.");
        }
        String defaultName = in.nonEmpty(append(ctd, "default_runtime_name")).orElse("runc");
        if (migrated.contains(defaultName) || defaultName.equals("runc")) {
            out.set(CRI, "default_runtime_name", defaultName);
        } else {
            unmapped.add(new Unmapped(key(append(ctd, "default_runtime_name")), "handler \"" + defaultName
                    + "\" was not migrated; Berth's default stays runc"));
        }
        boolean systemdCgroup = systemd.getOrDefault(defaultName, in.bool(append(l.runtime(), "systemd_cgroup")).orElse(false));
        if (systemdCgroup) {
            out.set(RUNC, "systemd_cgroup", true);
        }
        systemd.forEach((name, b) -> {
            if (b != systemdCgroup) {
                unmapped.add(new Unmapped(key(append(ctd, "runtimes", name, "options", "SystemdCgroup")),
                        "Berth has one cgroup driver for all handlers (systemd_cgroup = " + systemdCgroup
                                + ", from the default handler)"));
            }
        });
    }

    /**
     * Whether a handler runs containerd's pause container: sandbox mode {@code podsandbox}, also when not set. The
     * key is {@code sandbox_mode} in containerd 1.x and {@code sandboxer} in 2.x; any other mode is listed.
     */
    private boolean podSandboxMode(List<String> base) {
        boolean pause = true;
        for (String k : List.of("sandbox_mode", "sandboxer")) {
            List<String> path = append(base, k);
            String mode = in.nonEmpty(path).orElse("podsandbox");
            if (!mode.equals("podsandbox")) {
                pause = false;
                unmapped.add(new Unmapped(key(path), mode.equals("shim")
                        ? "\"shim\" hands the pod to the runtime's shim through containerd's sandbox API, which Berth does not"
                        + " have; Berth builds the pod itself (pod_infra = \"pauseless\", or \"image\" for a pause container)"
                        : "\"" + mode + "\" has no Berth equivalent; Berth builds the pod with its podsandbox controller"));
            }
        }
        return pause;
    }

    private void cni(List<String> cni) {
        in.nonEmpty(append(cni, "bin_dir")).ifPresent(d -> out.set(PODSANDBOX, "cni_bin_dirs", List.of(d)));
        in.list(append(cni, "bin_dirs")).filter(l -> !l.isEmpty()).ifPresent(l ->
                out.set(PODSANDBOX, "cni_bin_dirs", l.stream().map(String::valueOf).toList()));
        in.nonEmpty(append(cni, "conf_dir")).ifPresent(d -> out.set(PODSANDBOX, "cni_conf_dir", d));
        in.nonEmpty(append(cni, "conf_template")).ifPresent(t -> out.set(PODSANDBOX, "cni_conf_template", t));
        in.number(append(cni, "max_conf_num")).filter(n -> n != 1).ifPresent(n -> unmapped.add(new Unmapped(
                key(append(cni, "max_conf_num")), "Berth uses the first network configuration in cni_conf_dir only")));
    }

    private void streaming(List<String> server) {
        in.nonEmpty(append(server, "stream_server_address")).ifPresent(a -> out.set(CRI, "stream_server_address", a));
        in.nonEmpty(append(server, "stream_server_port")).ifPresent(p -> out.set(CRI, "stream_server_port", p));
        in.bool(append(server, "enable_tls_streaming")).ifPresent(b -> out.set(CRI, "enable_tls_streaming", b));
        List<String> idle = append(server, "stream_idle_timeout");
        in.nonEmpty(idle).ifPresent(d -> GoDurations.toBerth(d).ifPresentOrElse(
                v -> out.set(CRI, "stream_idle_timeout", v),
                () -> unmapped.add(new Unmapped(key(idle), "\"" + d + "\" is not a duration"))));
        List<String> pair = append(server, "x509_key_pair_streaming");
        in.nonEmpty(append(pair, "tls_cert_file")).ifPresent(f -> out.set(CRI, "stream_tls_cert_file", f));
        in.nonEmpty(append(pair, "tls_key_file")).ifPresent(f -> out.set(CRI, "stream_tls_key_file", f));
    }

    /** Reports what nobody used, unless it asks for nothing (empty, false, zero). */
    private void leftovers() {
        in.unused().forEach((path, value) -> {
            if (!asksNothing(value)) {
                unmapped.add(new Unmapped(key(path), REASONS.getOrDefault(path.get(path.size() - 1), "no Berth equivalent")));
            }
        });
    }

    static boolean asksNothing(Object v) {
        return v == null || "".equals(v) || Boolean.FALSE.equals(v) || Long.valueOf(0).equals(v)
                || v instanceof List<?> l && l.isEmpty();
    }

    private List<String> strings(List<String> path) {
        return in.list(path).orElse(List.of()).stream().map(String::valueOf).toList();
    }

    /** A key path as TOML writes it: {@code plugins."io.containerd.grpc.v1.cri".enable_selinux}. */
    static String key(List<String> path) {
        return path.stream().map(dev.berth.config.TomlWriter::key).collect(Collectors.joining("."));
    }
}
