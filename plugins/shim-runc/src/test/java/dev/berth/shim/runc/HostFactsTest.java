package dev.berth.shim.runc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostFactsTest {
    @TempDir
    Path tmp;

    @Test
    void capSysResourceIsBit24OfCapEff() {
        assertThat(HostFacts.hasEffectiveCapability("Name:\tx\nCapEff:\t000001fffeffffff\n", 24)).isFalse();
        assertThat(HostFacts.hasEffectiveCapability("CapEff:\t000001ffffffffff\n", 24)).isTrue();
        assertThat(HostFacts.hasEffectiveCapability("CapPrm:\t000001ffffffffff\n", 24)).isFalse();
    }

    @Test
    void findsExecutablesOnPathOrAbsoluteAndNamesTheKey() throws Exception {
        Path bin = tmp.resolve("bin");
        Files.createDirectories(bin);
        Path tool = Files.createFile(bin.resolve("mytool"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwxr-xr-x")));
        assertThat(HostFacts.findExecutable("mytool", "runtime_path", "/nonexistent:" + bin)).isEqualTo(tool);
        assertThat(HostFacts.findExecutable(tool.toString(), "runtime_path", "")).isEqualTo(tool);
        assertThatThrownBy(() -> HostFacts.findExecutable("no-such-tool-xyz", "conmon_path", bin.toString()))
                .isInstanceOf(BerthException.class).hasMessageContaining("conmon_path")
                .hasMessageContaining("no-such-tool-xyz");
        assertThatThrownBy(() -> HostFacts.findExecutable("/no/such", "runtime_path", ""))
                .hasMessageContaining("runtime_path");
    }

    @Test
    void systemdCgroupDriverNeedsARunningSystemd() throws Exception {
        Path noSystemd = tmp.resolve("run/systemd/system");
        HostFacts.requireSystemdIfConfigured(false, noSystemd);
        assertThatThrownBy(() -> HostFacts.requireSystemdIfConfigured(true, noSystemd))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION))
                .hasMessage("systemd_cgroup = true, but this host does not run systemd (" + noSystemd
                        + " is not a directory); set systemd_cgroup = false to use cgroupfs");
        Files.createDirectories(noSystemd);
        HostFacts.requireSystemdIfConfigured(true, noSystemd);
    }

    @Test
    void cgroupV2IsTheUnifiedRootFile() throws Exception {
        assertThat(HostFacts.cgroupV2(tmp)).isFalse();
        Files.writeString(tmp.resolve("cgroup.controllers"), "cpu memory\n");
        assertThat(HostFacts.cgroupV2(tmp)).isTrue();
    }
}
