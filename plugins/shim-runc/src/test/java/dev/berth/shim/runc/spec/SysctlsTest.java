package dev.berth.shim.runc.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SysctlsTest {
    @TempDir
    Path dir;
    Path rootfs;
    final SpecFixture f = new SpecFixture();

    @BeforeEach
    void setUp() throws Exception {
        rootfs = SpecFixture.rootfs(dir);
    }

    @Test
    void namespacedSysctlsPass() {
        f.sysctls = Map.of("net.ipv4.ip_unprivileged_port_start", "0", "kernel.shmmax", "1000", "kernel.sem",
                "250 32000 32 128", "fs.mqueue.msg_max", "20", "kernel.msgmax", "9000");
        assertThat(f.build(rootfs).getAsJsonObject("linux").getAsJsonObject("sysctl").keySet()).hasSize(5);
    }

    @Test
    void hostWideSysctlIsRefused() {
        f.sysctls = Map.of("kernel.panic", "1");
        assertThatThrownBy(() -> f.build(rootfs)).hasMessageContaining("sysctl kernel.panic is not namespaced");
        f.sysctls = Map.of("vm.overcommit_memory", "1");
        assertThatThrownBy(() -> f.build(rootfs)).hasMessageContaining("vm.overcommit_memory");
    }

    @Test
    void netSysctlWithHostNetworkIsRefused() {
        f.hostNetwork = true;
        f.sysctls = Map.of("net.core.somaxconn", "1024");
        assertThatThrownBy(() -> f.build(rootfs)).hasMessageContaining("net.core.somaxconn")
                .hasMessageContaining("host's network");
    }

    @Test
    void ipcSysctlWithHostIpcIsRefused() {
        f.hostIpc = true;
        f.sysctls = Map.of("fs.mqueue.queues_max", "10");
        assertThatThrownBy(() -> f.build(rootfs)).hasMessageContaining("fs.mqueue.queues_max")
                .hasMessageContaining("host's IPC");
        f.sysctls = Map.of("net.core.somaxconn", "1024");
        assertThat(f.build(rootfs).getAsJsonObject("linux").getAsJsonObject("sysctl").keySet()).hasSize(1);
    }
}
