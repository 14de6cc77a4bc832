package dev.berth.shim.runc.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.core.runtime.ImageProcess;
import dev.berth.core.runtime.SecurityProfile;
import dev.berth.core.runtime.SecurityProfile.Kind;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs a generated spec through the real runc, as the only proof that runc accepts what we write. */
class RuncRunTest {
    private static final Path RUNC = Path.of("/usr/sbin/runc");
    private static final Path BUSYBOX = Path.of("/bin/busybox");
    private static final String CGROUP_PARENT = "/berth-test";

    @TempDir
    Path dir;

    @Test
    void busyboxRunsAsImageUserUnderDefaultSeccomp() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root");
        assumeTrue(Files.isExecutable(RUNC) && Files.isExecutable(BUSYBOX), "needs runc and a static busybox");

        Path bundle = Files.createDirectories(dir.resolve("bundle"));
        Path rootfs = busyboxRootfs(bundle.resolve("rootfs"));
        SpecFixture f = new SpecFixture();
        f.id = "berth-spec-" + UUID.randomUUID().toString().substring(0, 8);
        f.image = new ImageProcess(List.of(), List.of(), List.of(), "app", "", "");
        f.command = List.of("sh", "-c", "id; cat /proc/self/status | grep -i seccomp");
        f.seccomp = new SecurityProfile(Kind.RUNTIME_DEFAULT, "");
        f.netnsPath = "";
        f.ipcnsPath = "";
        f.utsnsPath = "";
        f.cgroupParent = CGROUP_PARENT;
        f.defaults = new SpecDefaults(false, false, -1000, "/berth");
        Files.writeString(bundle.resolve("config.json"),
                new OciSpecBuilder(f.defaults).build(f.spec(), rootfs, id -> null));

        Path state = dir.resolve("runc");
        Path output = dir.resolve("output.txt");
        try {
            Process runc = new ProcessBuilder(RUNC.toString(), "--root", state.toString(), "run", "--bundle",
                    bundle.toString(), f.id)
                    .redirectInput(new File("/dev/null"))
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .start();
            if (!runc.waitFor(20, TimeUnit.SECONDS)) {
                runc.destroyForcibly().waitFor();
                throw new AssertionError("runc run took more than 20 s: " + Files.readString(output));
            }
            String out = Files.readString(output);
            assertThat(runc.exitValue()).as(out).isZero();
            assertThat(out).contains("uid=1000").containsPattern("Seccomp:\\s+2");
        } finally {
            new ProcessBuilder(RUNC.toString(), "--root", state.toString(), "delete", "-f", f.id)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start()
                    .waitFor(20, TimeUnit.SECONDS);
            removeTestCgroups();
        }
    }

    private static Path busyboxRootfs(Path rootfs) throws IOException {
        Path bin = Files.createDirectories(rootfs.resolve("bin"));
        Files.copy(BUSYBOX, bin.resolve("busybox"));
        for (String applet : List.of("sh", "id", "cat", "echo", "sleep", "grep")) {
            Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
        }
        Files.createDirectories(rootfs.resolve("etc"));
        Files.writeString(rootfs.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/:/bin/sh\n");
        Files.writeString(rootfs.resolve("etc/group"), "root:x:0:\napp:x:1000:\n");
        return rootfs;
    }

    /** runc leaves the parent cgroups it created; remove them deepest first (rmdir only works on empty ones). */
    private static void removeTestCgroups() throws IOException {
        try (Stream<Path> hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path hierarchy : hierarchies.toList()) {
                Path parent = hierarchy.resolve(CGROUP_PARENT.substring(1));
                if (!Files.isDirectory(parent)) {
                    continue;
                }
                List<Path> dirs;
                try (Stream<Path> walk = Files.walk(parent)) {
                    dirs = walk.filter(Files::isDirectory).sorted(Comparator.comparingInt(Path::getNameCount)
                            .reversed()).toList();
                }
                for (Path d : dirs) {
                    Files.deleteIfExists(d);
                }
            }
        }
    }
}
