package dev.berth.shim.runc.spec;

import static dev.berth.shim.runc.spec.SpecFixture.strings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.runtime.ContainerMount;
import dev.berth.core.runtime.ContainerMount.Propagation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MountsTest {
    @TempDir
    Path dir;
    Path rootfs;
    final SpecFixture f = new SpecFixture();

    @BeforeEach
    void setUp() throws Exception {
        rootfs = SpecFixture.rootfs(dir);
    }

    private List<JsonObject> mounts() {
        List<JsonObject> out = new ArrayList<>();
        for (JsonElement e : f.build(rootfs).getAsJsonArray("mounts")) {
            out.add(e.getAsJsonObject());
        }
        return out;
    }

    private static List<String> destinations(List<JsonObject> mounts) {
        return mounts.stream().map(m -> m.get("destination").getAsString()).toList();
    }

    private static JsonObject at(List<JsonObject> mounts, String destination) {
        return mounts.stream().filter(m -> m.get("destination").getAsString().equals(destination)).findFirst()
                .orElseThrow();
    }

    @Test
    void defaultsInParentFirstOrder() {
        List<JsonObject> mounts = mounts();
        assertThat(destinations(mounts)).containsExactly("/proc", "/dev", "/sys", "/dev/pts", "/dev/shm",
                "/dev/mqueue", "/sys/fs/cgroup");
        assertThat(at(mounts, "/dev/shm").get("type").getAsString()).isEqualTo("tmpfs");
        assertThat(strings(at(mounts, "/sys").getAsJsonArray("options"))).contains("ro");
        assertThat(strings(at(mounts, "/dev/pts").getAsJsonArray("options")))
                .contains("newinstance", "ptmxmode=0666", "mode=0620", "gid=5");
    }

    @Test
    void podFilesAndShmAreBound() throws Exception {
        f.shmPath = "/run/berth/sb1/shm";
        f.hostsFile = "/run/berth/sb1/hosts";
        f.resolvConf = "/run/berth/sb1/resolv.conf";
        f.readonlyRootfs = true;
        List<JsonObject> mounts = mounts();
        assertThat(at(mounts, "/dev/shm").get("source").getAsString()).isEqualTo("/run/berth/sb1/shm");
        assertThat(strings(at(mounts, "/etc/hosts").getAsJsonArray("options"))).contains("rbind", "ro");
        assertThat(destinations(mounts)).contains("/etc/resolv.conf").doesNotContain("/etc/hostname");
    }

    @Test
    void userBindsCarryPropagationAndReplaceDefaults() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Path shm = Files.createDirectories(dir.resolve("shm"));
        Path link = Files.createSymbolicLink(dir.resolve("data-link"), data);
        f.mounts.add(new ContainerMount("/data/sub", link.toString(), true, Propagation.HOST_TO_CONTAINER));
        f.mounts.add(new ContainerMount("/data", data.toString(), false, Propagation.BIDIRECTIONAL));
        f.mounts.add(new ContainerMount("/dev/shm", shm.toString(), false, null));
        List<JsonObject> mounts = mounts();
        List<String> order = destinations(mounts);
        assertThat(order.indexOf("/data")).isLessThan(order.indexOf("/data/sub"));
        assertThat(order).containsOnlyOnce("/dev/shm");
        JsonObject sub = at(mounts, "/data/sub");
        assertThat(sub.get("source").getAsString()).isEqualTo(data.toRealPath().toString());
        assertThat(strings(sub.getAsJsonArray("options"))).containsExactly("rbind", "ro", "rslave");
        assertThat(strings(at(mounts, "/data").getAsJsonArray("options"))).containsExactly("rbind", "rw", "rshared");
        assertThat(strings(at(mounts, "/dev/shm").getAsJsonArray("options")))
                .containsExactly("rbind", "rw", "rprivate");
    }

    @Test
    void missingHostPathIsInvalid() {
        f.mounts.add(new ContainerMount("/data", dir.resolve("nope").toString(), false, null));
        assertThatThrownBy(this::mounts).isInstanceOf(BerthException.class)
                .hasMessage("mounts[0].host_path " + dir.resolve("nope") + " does not exist");
    }

    @Test
    void relativeContainerPathIsInvalid() {
        f.mounts.add(new ContainerMount("data", dir.toString(), false, null));
        assertThatThrownBy(this::mounts).hasMessageContaining("mounts[0].container_path data");
    }

    @Test
    void privilegedGetsWritableSys() {
        f.privileged = true;
        assertThat(strings(at(mounts(), "/sys/fs/cgroup").getAsJsonArray("options"))).contains("rw");
    }

    @Test
    void recursiveReadOnlyAddsRro() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        f.mounts.add(new ContainerMount("/data", data.toString(), true, Propagation.PRIVATE, true));
        assertThat(strings(at(mounts(), "/data").getAsJsonArray("options")))
                .containsExactly("rbind", "ro", "rprivate", "rro");
    }

    @Test
    void recursiveReadOnlyNeedsReadonly() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        f.mounts.add(new ContainerMount("/data", data.toString(), false, Propagation.PRIVATE, true));
        assertThatThrownBy(this::mounts).isInstanceOf(BerthException.class)
                .hasMessage("mounts[0].recursive_read_only needs readonly = true");
    }

    @Test
    void recursiveReadOnlyNeedsPrivatePropagation() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        f.mounts.add(new ContainerMount("/data", data.toString(), true, Propagation.HOST_TO_CONTAINER, true));
        assertThatThrownBy(this::mounts).isInstanceOf(BerthException.class)
                .hasMessageContaining("mounts[0].recursive_read_only needs propagation PROPAGATION_PRIVATE");
    }
}
