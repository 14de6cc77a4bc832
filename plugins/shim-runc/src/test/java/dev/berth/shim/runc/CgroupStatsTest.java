package dev.berth.shim.runc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CgroupStatsTest {
    @TempDir
    Path tmp;

    private static void write(Path f, String text) throws Exception {
        Files.createDirectories(f.getParent());
        Files.writeString(f, text);
    }

    @Test
    void parsesProcCgroupV1HybridAndV2Lines() {
        var m = CgroupStats.parseProcCgroup("""
                9:name=systemd:/berth/c1
                4:memory:/berth/c1
                2:cpu,cpuacct:/berth/c2
                0::/unified/c1
                """);
        assertThat(m).containsEntry("memory", "/berth/c1").containsEntry("cpu", "/berth/c2")
                .containsEntry("cpuacct", "/berth/c2").containsEntry("", "/unified/c1");
    }

    @Test
    void readsV1() throws Exception {
        Path cg = tmp.resolve("cg");
        write(tmp.resolve("proc/77/cgroup"), "4:memory:/berth/c1\n2:cpu,cpuacct:/berth/c1\n0::/berth/c1\n");
        write(cg.resolve("cpuacct/berth/c1/cpuacct.usage"), "123456789\n");
        write(cg.resolve("memory/berth/c1/memory.usage_in_bytes"), "10000\n");
        write(cg.resolve("memory/berth/c1/memory.stat"), """
                cache 5000
                rss 3000
                inactive_file 4000
                total_rss 3500
                total_inactive_file 4500
                total_pgfault 77
                total_pgmajfault 3
                """);
        var u = new CgroupStats(cg, tmp.resolve("proc"), false).of(77).orElseThrow();
        assertThat(u).isEqualTo(new CgroupStats.Usage(123456789, 10000, 5500, 3500, 77, 3));
    }

    @Test
    void readsV2AndClampsWorkingSet() throws Exception {
        Path cg = tmp.resolve("cg");
        write(tmp.resolve("proc/5/cgroup"), "0::/kubepods/c9\n");
        write(cg.resolve("kubepods/c9/cpu.stat"), "usage_usec 2500\nuser_usec 2000\nsystem_usec 500\n");
        write(cg.resolve("kubepods/c9/memory.current"), "1000\n");
        write(cg.resolve("kubepods/c9/memory.stat"), "anon 700\ninactive_file 2000\npgfault 9\npgmajfault 1\n");
        var u = new CgroupStats(cg, tmp.resolve("proc"), true).of(5).orElseThrow();
        assertThat(u).isEqualTo(new CgroupStats.Usage(2_500_000, 1000, 0, 700, 9, 1));
    }

    @Test
    void goneProcessOrCgroupIsEmpty() throws Exception {
        Path cg = tmp.resolve("cg");
        assertThat(new CgroupStats(cg, tmp.resolve("proc"), false).of(1234)).isEmpty();
        write(tmp.resolve("proc/8/cgroup"), "4:memory:/gone\n2:cpuacct:/gone\n");
        assertThat(new CgroupStats(cg, tmp.resolve("proc"), false).of(8)).isEmpty();
    }
}
