package dev.berth.core.migrate;

import static dev.berth.core.migrate.TomlLeaves.append;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.tomlj.Toml;
import org.tomlj.TomlParseResult;

/**
 * A containerd registry hosts directory ({@code registry.config_path}, usually {@code /etc/containerd/certs.d}):
 * {@code <host>/hosts.toml} per registry. Its pull mirrors and the host's own CA, client certificate and skip_verify
 * carry over to {@code registry.hosts."<host>"}; per-mirror TLS settings, headers and other capabilities do not.
 */
final class HostsDirectory {
    private final Path dir;
    private final BerthConfigBuilder out;
    private final List<Unmapped> unmapped;

    HostsDirectory(Path dir, BerthConfigBuilder out, List<Unmapped> unmapped) {
        this.dir = dir;
        this.out = out;
        this.unmapped = unmapped;
    }

    void migrate() {
        if (!Files.isDirectory(dir)) {
            unmapped.add(new Unmapped(dir.toString(), "registry.config_path names no directory here: run the migration on the "
                    + "node itself, or copy its mirrors to [plugins.\"io.berth.grpc.v1.cri\".registry.hosts.\"<host>\"]"));
            return;
        }
        try (DirectoryStream<Path> hosts = Files.newDirectoryStream(dir)) {
            for (Path h : hosts) {
                Path file = h.resolve("hosts.toml");
                if (Files.isRegularFile(file)) {
                    host(h.getFileName().toString(), file);
                }
            }
        } catch (IOException e) {
            unmapped.add(new Unmapped(dir.toString(), "cannot read it: " + e.getMessage()));
        }
    }

    private void host(String name, Path file) throws IOException {
        if (name.equals("_default")) {
            unmapped.add(new Unmapped(file.toString(), "Berth has no default for all registries: give each host its own table"));
            return;
        }
        TomlParseResult toml = Toml.parse(file);
        if (toml.hasErrors()) {
            unmapped.add(new Unmapped(file.toString(), "not valid TOML: " + toml.errors().get(0)));
            return;
        }
        TomlLeaves in = new TomlLeaves(toml);
        List<String> table = ContainerdConfigMigration.hostTable(name);
        in.nonEmpty(List.of("server")).filter(s -> !upstream(name, s)).ifPresent(s -> unmapped.add(new Unmapped(file + ": server",
                "Berth contacts " + name + " itself after its mirrors, not another server")));
        in.nonEmpty(List.of("ca")).ifPresent(ca -> out.set(table, "ca_file", ca));
        in.bool(List.of("skip_verify")).filter(b -> b).ifPresent(b -> out.set(table, "skip_verify", true));
        in.list(List.of("client")).filter(c -> c.size() == 1 && c.get(0) instanceof List<?> pair && pair.size() == 2)
                .ifPresent(c -> {
                    List<?> pair = (List<?>) c.get(0);
                    out.set(table, "cert_file", String.valueOf(pair.get(0))).set(table, "key_file", String.valueOf(pair.get(1)));
                });
        List<String> mirrors = new java.util.ArrayList<>();
        for (String url : in.children(List.of("host"))) {
            List<String> caps = in.list(List.of("host", url, "capabilities")).orElse(List.of("pull", "resolve"))
                    .stream().map(String::valueOf).toList();
            if (caps.contains("pull")) {
                mirrors.add(url);
            } else {
                unmapped.add(new Unmapped(file + ": host.\"" + url + "\"", "not a pull mirror (capabilities " + caps + ")"));
                in.takeAll(List.of("host", url));
            }
        }
        if (!mirrors.isEmpty()) {
            out.set(table, "mirrors", mirrors);
        }
        in.unused().forEach((path, value) -> {
            if (!ContainerdConfigMigration.asksNothing(value)) {
                unmapped.add(new Unmapped(file + ": " + ContainerdConfigMigration.key(path),
                        path.get(0).equals("host") ? "Berth's TLS settings and headers are per registry host, not per mirror"
                                : "no Berth equivalent"));
            }
        });
    }

    private static boolean upstream(String host, String server) {
        String s = server.replaceAll("/+$", "");
        return s.equals("https://" + host) || host.equals("docker.io") && s.equals("https://registry-1.docker.io");
    }
}
