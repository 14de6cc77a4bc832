package dev.berth.itest;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node tarball {@code mvn package} leaves in dist/target: unpacked and installed with its install.sh into a
 * temporary root (DESTDIR), as on a fresh node, and the installed berthd run from there.
 */
class PackagingIT {
    @TempDir
    Path dir;

    private record Run(int exitCode, String output) {
    }

    private static Run run(Map<String, String> env, Path cwd, String... cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", cmd) + " did not finish");
        }
        return new Run(p.exitValue(), out);
    }

    private static Path tarball() throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Berthd.HOME.getParent(), "berth-*.tar.gz")) {
            List<Path> found = new ArrayList<>();
            ds.forEach(found::add);
            assertThat(found).as("tarballs in " + Berthd.HOME.getParent()).hasSize(1);
            return found.get(0);
        }
    }

    /** Unpacks the tarball and runs its install.sh into {@code root}; returns the unpacked directory. */
    private Path install(Path root) throws Exception {
        Path unpacked = Files.createDirectories(dir.resolve("unpacked"));
        Run untar = run(Map.of(), unpacked, "tar", "-xzf", tarball().toString());
        assertThat(untar.exitCode()).as(untar.output()).isZero();
        Path top;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(unpacked, "berth-*")) {
            top = ds.iterator().next();
        }
        Run inst = run(Map.of("DESTDIR", root.toString()), dir, "sh", top.resolve("install.sh").toString());
        assertThat(inst.exitCode()).as(inst.output()).isZero();
        assertThat(inst.output()).contains("systemd not touched", "--container-runtime-endpoint=unix:///run/berth/berth.sock");
        return top;
    }

    @Test
    void theTarballInstallsIntoARootAndItsBerthdRuns() throws Exception {
        Path root = dir.resolve("root");
        install(root);

        Path home = root.resolve("opt/berth");
        assertThat(Files.getPosixFilePermissions(home.resolve("bin/berthd"))).contains(PosixFilePermission.OWNER_EXECUTE);
        assertThat(home.resolve("bin/berthctl")).isRegularFile();
        assertThat(home.resolve("README.md")).isRegularFile();
        try (DirectoryStream<Path> jars = Files.newDirectoryStream(home.resolve("lib"), "*.jar")) {
            List<String> names = new ArrayList<>();
            jars.forEach(j -> names.add(j.getFileName().toString()));
            assertThat(names).anyMatch(n -> n.startsWith("berth-core-")).anyMatch(n -> n.startsWith("berth-plugin-cri-"))
                    .anyMatch(n -> n.startsWith("berth-cli-"));
        }
        for (String tool : List.of("berthd", "berthctl")) {
            Path link = root.resolve("usr/local/bin/" + tool);
            assertThat(Files.isSymbolicLink(link)).isTrue();
            assertThat(Files.readSymbolicLink(link)).isEqualTo(Path.of("/opt/berth/bin/" + tool));
        }
        String unit = Files.readString(root.resolve("etc/systemd/system/berth.service"));
        assertThat(unit).contains("ExecStart=/opt/berth/bin/berthd\n", "Delegate=yes\n", "KillMode=process\n",
                "Restart=on-failure\n", "WantedBy=multi-user.target");
        JsonObject net = JsonParser.parseString(Files.readString(root.resolve("etc/cni/net.d/10-berth.conflist"))).getAsJsonObject();
        assertThat(net.getAsJsonArray("plugins").asList().stream().map(p -> p.getAsJsonObject().get("type").getAsString()))
                .containsExactly("loopback", "bridge", "portmap");
        assertThat(net.getAsJsonArray("plugins").get(1).getAsJsonObject().getAsJsonObject("ipam").get("type").getAsString())
                .isEqualTo("host-local");

        Run version = run(Map.of(), dir, home.resolve("bin/berthd").toString(), "--version");
        assertThat(version.exitCode()).as(version.output()).isZero();
        assertThat(version.output()).startsWith("berthd 0.");
        // the launchers work through a link, as /usr/local/bin/berthd is one on the node
        Path link = Files.createSymbolicLink(dir.resolve("berthctl-link"), home.resolve("bin/berthctl"));
        Run ctl = run(Map.of(), dir, link.toString(), "--version");
        assertThat(ctl.exitCode()).as(ctl.output()).isZero();
        assertThat(ctl.output()).startsWith("berthctl 0.");
        Run check = run(Map.of(), dir, home.resolve("bin/berthd").toString(), "config", "check",
                root.resolve("etc/berth/config.toml").toString());
        assertThat(check.exitCode()).as(check.output()).isZero();
        assertThat(check.output()).contains("ok (0 errors, 0 warnings)");
    }

    @Test
    void aSecondInstallKeepsTheOperatorsConfigAndNetworks() throws Exception {
        Path root = dir.resolve("root");
        Files.createDirectories(root.resolve("etc/berth"));
        Files.writeString(root.resolve("etc/berth/config.toml"), "version = 1\n# mine\n");
        Files.createDirectories(root.resolve("etc/cni/net.d"));
        Files.writeString(root.resolve("etc/cni/net.d/05-calico.conflist"), "{}");
        Files.createDirectories(root.resolve("opt/berth/lib"));
        Files.writeString(root.resolve("opt/berth/lib/berth-core-0.0.1-old.jar"), "stale");

        install(root);

        assertThat(Files.readString(root.resolve("etc/berth/config.toml"))).isEqualTo("version = 1\n# mine\n");
        assertThat(root.resolve("etc/cni/net.d/10-berth.conflist")).doesNotExist();
        assertThat(root.resolve("opt/berth/lib/berth-core-0.0.1-old.jar")).doesNotExist();
        assertThat(root.resolve("opt/berth/bin/berthd")).isRegularFile();
    }

    @Test
    void aPrefixMovesTheProgramsAndTheUnitFollows() throws Exception {
        Path root = dir.resolve("root");
        Path unpacked = Files.createDirectories(dir.resolve("unpacked"));
        assertThat(run(Map.of(), unpacked, "tar", "-xzf", tarball().toString()).exitCode()).isZero();
        Path top;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(unpacked, "berth-*")) {
            top = ds.iterator().next();
        }
        Run inst = run(Map.of("DESTDIR", root.toString()), dir, "sh", top.resolve("install.sh").toString(),
                "--prefix", "/usr/lib/berth");
        assertThat(inst.exitCode()).as(inst.output()).isZero();
        assertThat(root.resolve("usr/lib/berth/bin/berthd")).isRegularFile();
        assertThat(Files.readSymbolicLink(root.resolve("usr/local/bin/berthd"))).isEqualTo(Path.of("/usr/lib/berth/bin/berthd"));
        assertThat(Files.readString(root.resolve("etc/systemd/system/berth.service"))).contains("ExecStart=/usr/lib/berth/bin/berthd\n")
                .doesNotContain("/opt/berth");
        assertThat(run(Map.of(), dir, "sh", top.resolve("install.sh").toString(), "--prefix", "relative").exitCode()).isEqualTo(2);
    }

    @Test
    void theShippedTrainerMakesClassDataArchivesTheJvmAccepts() throws Exception {
        Path root = dir.resolve("root");
        install(root);
        Path home = root.resolve("opt/berth");
        assertThat(home.resolve("lib/berthd.jsa")).as("install.sh makes no archive below a DESTDIR").doesNotExist();

        Run train = run(Map.of(), dir, home.resolve("bin/berth-cds-train").toString(), home.toString());
        assertThat(train.exitCode()).as(train.output()).isZero();
        assertThat(home.resolve("lib/berthd.jsa")).isRegularFile();
        assertThat(home.resolve("lib/berthctl.jsa")).isRegularFile();
        // -Xshare:on makes a JVM that cannot map the archive (another JDK, changed jars) fail instead of going without
        for (String tool : List.of("berthd", "berthctl")) {
            Run v = run(Map.of("BERTH_JAVA_OPTS", "-Xshare:on"), dir, home.resolve("bin/" + tool).toString(), "--version");
            assertThat(v.exitCode()).as(tool + " with its archive: " + v.output()).isZero();
            assertThat(v.output()).startsWith(tool + " 0.");
        }
    }
}
