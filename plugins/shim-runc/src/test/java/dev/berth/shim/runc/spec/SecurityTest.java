package dev.berth.shim.runc.spec;

import static dev.berth.shim.runc.spec.SpecFixture.strings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.runtime.DeviceMapping;
import dev.berth.core.runtime.SecurityProfile;
import dev.berth.core.runtime.SecurityProfile.Kind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecurityTest {
    @TempDir
    Path dir;
    Path rootfs;
    final SpecFixture f = new SpecFixture();

    @BeforeEach
    void setUp() throws Exception {
        rootfs = SpecFixture.rootfs(dir);
    }

    private List<String> bounding() {
        JsonObject caps = f.build(rootfs).getAsJsonObject("process").getAsJsonObject("capabilities");
        assertThat(caps.getAsJsonArray("inheritable")).isEmpty();
        assertThat(strings(caps.getAsJsonArray("effective"))).isEqualTo(strings(caps.getAsJsonArray("bounding")));
        assertThat(strings(caps.getAsJsonArray("permitted"))).isEqualTo(strings(caps.getAsJsonArray("bounding")));
        return strings(caps.getAsJsonArray("bounding"));
    }

    @Test
    void defaultCapabilities() {
        assertThat(bounding()).containsExactlyInAnyOrderElementsOf(Capabilities.DEFAULTS);
    }

    @Test
    void dropThenAddWithAnySpelling() {
        f.capDrop = List.of("net_raw", "CAP_MKNOD");
        f.capAdd = List.of("sys_admin", "CAP_NET_ADMIN");
        assertThat(bounding()).doesNotContain("CAP_NET_RAW", "CAP_MKNOD").contains("CAP_SYS_ADMIN", "CAP_NET_ADMIN",
                "CAP_CHOWN");
    }

    @Test
    void dropAllThenAdd() {
        f.capDrop = List.of("ALL");
        f.capAdd = List.of("NET_BIND_SERVICE");
        assertThat(bounding()).containsExactly("CAP_NET_BIND_SERVICE");
    }

    @Test
    void addAllGivesEveryCapabilityTheKernelKnows() {
        f.capAdd = List.of("all");
        f.kernel = new HostKernel(false, 37);
        assertThat(bounding()).hasSize(38).contains("CAP_AUDIT_READ").doesNotContain("CAP_BPF");
    }

    @Test
    void unknownCapabilityIsInvalid() {
        f.capAdd = List.of("CAP_FLY");
        assertThatThrownBy(this::bounding).hasMessageContaining("capabilities.add")
                .hasMessageContaining("\"CAP_FLY\"");
    }

    @Test
    void defaultSeccompProfile() {
        f.seccomp = new SecurityProfile(Kind.RUNTIME_DEFAULT, "");
        JsonObject seccomp = f.build(rootfs).getAsJsonObject("linux").getAsJsonObject("seccomp");
        assertThat(seccomp.get("defaultAction").getAsString()).isEqualTo("SCMP_ACT_ERRNO");
        assertThat(seccomp.get("defaultErrnoRet").getAsInt()).isEqualTo(1);
        assertThat(strings(seccomp.getAsJsonArray("architectures"))).contains("SCMP_ARCH_X86_64",
                "SCMP_ARCH_AARCH64");
        List<String> allowed = strings(seccomp.getAsJsonArray("syscalls").get(0).getAsJsonObject()
                .getAsJsonArray("names"));
        assertThat(allowed).contains("read", "execve", "socket", "connect", "getdents64", "wait4")
                .doesNotContain("kexec_load", "init_module", "mount", "umount2", "reboot", "swapon", "pivot_root",
                        "keyctl", "add_key", "bpf", "perf_event_open", "unshare", "ptrace", "setns");
    }

    @Test
    void unconfinedAndPrivilegedHaveNoSeccomp() {
        assertThat(f.build(rootfs).getAsJsonObject("linux").has("seccomp")).isFalse();
        f.seccomp = new SecurityProfile(Kind.RUNTIME_DEFAULT, "");
        f.privileged = true;
        assertThat(f.build(rootfs).getAsJsonObject("linux").has("seccomp")).isFalse();
    }

    @Test
    void localhostSeccompIsEmbedded() throws Exception {
        Path profile = dir.resolve("profile.json");
        Files.writeString(profile, "{\"defaultAction\":\"SCMP_ACT_LOG\"}");
        f.seccomp = new SecurityProfile(Kind.LOCALHOST, profile.toString());
        assertThat(f.build(rootfs).getAsJsonObject("linux").getAsJsonObject("seccomp").get("defaultAction")
                .getAsString()).isEqualTo("SCMP_ACT_LOG");
        f.seccomp = new SecurityProfile(Kind.LOCALHOST, dir.resolve("missing.json").toString());
        assertThatThrownBy(() -> f.build(rootfs)).hasMessageContaining("does not exist");
        f.seccomp = new SecurityProfile(Kind.LOCALHOST, "profile.json");
        assertThatThrownBy(() -> f.build(rootfs)).hasMessageContaining("absolute");
    }

    @Test
    void apparmorLocalhostNeedsApparmor() {
        f.apparmor = new SecurityProfile(Kind.LOCALHOST, "my-profile");
        assertThatThrownBy(() -> f.build(rootfs)).hasMessageContaining("apparmor is not enabled on this host");
        f.kernel = new HostKernel(true, 40);
        assertThat(f.build(rootfs).getAsJsonObject("process").get("apparmorProfile").getAsString())
                .isEqualTo("my-profile");
        f.apparmor = new SecurityProfile(Kind.RUNTIME_DEFAULT, "");
        assertThat(f.build(rootfs).getAsJsonObject("process").has("apparmorProfile")).isFalse();
    }

    @Test
    void maskedAndReadonlyPathDefaults() {
        JsonObject linux = f.build(rootfs).getAsJsonObject("linux");
        assertThat(strings(linux.getAsJsonArray("maskedPaths"))).contains("/proc/kcore", "/sys/firmware");
        assertThat(strings(linux.getAsJsonArray("readonlyPaths"))).contains("/proc/sys", "/proc/sysrq-trigger");
    }

    @Test
    void privilegedGetsEverything() throws Exception {
        f.privileged = true;
        f.kernel = new HostKernel(false, 40);
        JsonObject spec = f.build(rootfs);
        JsonObject linux = spec.getAsJsonObject("linux");
        assertThat(linux.getAsJsonArray("maskedPaths")).isEmpty();
        assertThat(linux.getAsJsonArray("readonlyPaths")).isEmpty();
        JsonObject rule = linux.getAsJsonObject("resources").getAsJsonArray("devices").get(0).getAsJsonObject();
        assertThat(rule.get("allow").getAsBoolean()).isTrue();
        assertThat(rule.get("access").getAsString()).isEqualTo("rwm");
        assertThat(linux.getAsJsonObject("resources").getAsJsonArray("devices")).hasSize(1);
        assertThat(bounding()).hasSize(41);
    }

    @Test
    void unprivilegedDevicesAreDeniedExceptTheStandardSetAndMappings() {
        f.devices.add(new DeviceMapping("/dev/mynull", "/dev/null", "rw"));
        JsonObject linux = f.build(rootfs).getAsJsonObject("linux");
        var rules = linux.getAsJsonObject("resources").getAsJsonArray("devices");
        JsonObject first = rules.get(0).getAsJsonObject();
        assertThat(first.get("allow").getAsBoolean()).isFalse();
        assertThat(first.get("access").getAsString()).isEqualTo("rwm");
        assertThat(first.has("type")).isFalse();
        JsonObject last = rules.get(rules.size() - 1).getAsJsonObject();
        assertThat(last.get("major").getAsLong()).isEqualTo(1);
        assertThat(last.get("minor").getAsLong()).isEqualTo(3);
        assertThat(last.get("access").getAsString()).isEqualTo("rw");
        JsonObject node = linux.getAsJsonArray("devices").get(0).getAsJsonObject();
        assertThat(node.get("path").getAsString()).isEqualTo("/dev/mynull");
        assertThat(node.get("type").getAsString()).isEqualTo("c");
        assertThat(node.get("major").getAsLong()).isEqualTo(1);
        assertThat(node.get("minor").getAsLong()).isEqualTo(3);
    }

    @Test
    void missingDeviceIsInvalid() {
        f.devices.add(new DeviceMapping("/dev/x", "/dev/does-not-exist", "rwm"));
        assertThatThrownBy(() -> f.build(rootfs)).isInstanceOf(BerthException.class)
                .hasMessageContaining("devices[0].host_path /dev/does-not-exist")
                .extracting(e -> ((BerthException) e).kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
    }
}
