package dev.berth.shim.runc.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.berth.core.runtime.Resources;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CgroupsAndResourcesTest {
    @TempDir
    Path dir;
    Path rootfs;
    final SpecFixture f = new SpecFixture();

    @BeforeEach
    void setUp() throws Exception {
        rootfs = SpecFixture.rootfs(dir);
    }

    private String cgroupsPath() {
        return f.build(rootfs).getAsJsonObject("linux").get("cgroupsPath").getAsString();
    }

    @Test
    void cgroupfsPathUnderPodOrDefaultParent() {
        assertThat(cgroupsPath()).isEqualTo("/berth/berth-c1");
        f.cgroupParent = "kubepods/burstable/pod123/";
        assertThat(cgroupsPath()).isEqualTo("/kubepods/burstable/pod123/berth-c1");
        f.cgroupParent = "/";
        assertThat(cgroupsPath()).isEqualTo("/berth-c1");
    }

    @Test
    void systemdPathNeedsASlice() {
        f.defaults = new SpecDefaults(true, false, -1000, "system.slice");
        assertThat(cgroupsPath()).isEqualTo("system.slice:berth:c1");
        f.cgroupParent = "kubepods-burstable-pod123.slice";
        assertThat(cgroupsPath()).isEqualTo("kubepods-burstable-pod123.slice:berth:c1");
        f.cgroupParent = "/kubepods/burstable";
        assertThatThrownBy(this::cgroupsPath).hasMessageContaining("\"/kubepods/burstable\" is not a systemd slice");
    }

    @Test
    void limitsAreWrittenAndZeroIsLeftOut() {
        f.resources = new Resources(100000, 50000, 512, 64 << 20, 0, "0-1", "", Map.of("2MB", 4L << 20),
                Map.of(), 0);
        JsonObject resources = f.build(rootfs).getAsJsonObject("linux").getAsJsonObject("resources");
        JsonObject cpu = resources.getAsJsonObject("cpu");
        assertThat(cpu.get("shares").getAsLong()).isEqualTo(512);
        assertThat(cpu.get("quota").getAsLong()).isEqualTo(50000);
        assertThat(cpu.get("period").getAsLong()).isEqualTo(100000);
        assertThat(cpu.get("cpus").getAsString()).isEqualTo("0-1");
        assertThat(cpu.has("mems")).isFalse();
        assertThat(resources.getAsJsonObject("memory").get("limit").getAsLong()).isEqualTo(64 << 20);
        assertThat(resources.getAsJsonObject("memory").has("swap")).isFalse();
        JsonObject huge = resources.getAsJsonArray("hugepageLimits").get(0).getAsJsonObject();
        assertThat(huge.get("pageSize").getAsString()).isEqualTo("2MB");
        assertThat(huge.get("limit").getAsLong()).isEqualTo(4L << 20);
    }

    @Test
    void unifiedIsRefusedOnV1AndPassedOnV2() {
        f.resources = new Resources(0, 0, 0, 0, 0, "", "", Map.of(), Map.of("memory.high", "1000000"), 0);
        assertThatThrownBy(() -> f.build(rootfs)).hasMessage("linux.resources.unified needs cgroup v2");
        f.defaults = new SpecDefaults(false, true, -1000, "/berth");
        assertThat(f.build(rootfs).getAsJsonObject("linux").getAsJsonObject("resources").getAsJsonObject("unified")
                .get("memory.high").getAsString()).isEqualTo("1000000");
    }

    @Test
    void resourcesJsonForUpdate() {
        String json = f.builder().resourcesJson(
                new Resources(0, 20000, 0, 128 << 20, 0, "", "0", Map.of(), Map.of(), 256 << 20));
        JsonObject resources = JsonParser.parseString(json).getAsJsonObject();
        assertThat(resources.has("devices")).isFalse();
        assertThat(resources.getAsJsonObject("cpu").keySet()).containsExactlyInAnyOrder("quota", "mems");
        assertThat(resources.getAsJsonObject("memory").get("limit").getAsLong()).isEqualTo(128 << 20);
        assertThat(resources.getAsJsonObject("memory").get("swap").getAsLong()).isEqualTo(256 << 20);
        assertThat(JsonParser.parseString(f.builder().resourcesJson(Resources.none())).getAsJsonObject().keySet())
                .isEmpty();
    }
}
