package dev.berth.cri.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NetDevTest {
    static final String NET_DEV = """
            Inter-|   Receive                                                |  Transmit
             face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
                lo:     100       2    0    0    0     0          0         0      100       2    0    0    0     0       0          0
              eth0:    1500      10    1    2    0     0          0         0     2500      20    3    4    0     0       0          0
            eth1:18446744073709551615 7 0 0 0 0 0 0 9 8 0 0 0 0 0 0
              bad0: 1 2 3
            """;

    @Test
    void parsesEveryInterfaceButLoopback() {
        assertThat(NetDev.parse(NET_DEV)).containsExactly(
                new InterfaceCounters("eth0", 1500, 10, 1, 2, 2500, 20, 3, 4),
                new InterfaceCounters("eth1", -1, 7, 0, 0, 9, 8, 0, 0)); // 2^64-1 kept as its unsigned bits
    }

    @Test
    void readsOnlyWhileTheProcessIsInThePodsNamespace(@TempDir Path dir) throws Exception {
        Path netns = Files.writeString(dir.resolve("netns"), "");
        Object inode = Files.getAttribute(netns, "unix:ino");
        Path proc = dir.resolve("proc");
        Files.createDirectories(proc.resolve("42/net"));
        Files.createDirectories(proc.resolve("42/ns"));
        Files.writeString(proc.resolve("42/net/dev"), NET_DEV);
        Files.createSymbolicLink(proc.resolve("42/ns/net"), Path.of("net:[" + inode + "]"));
        NetDev netDev = new NetDev(proc);

        assertThat(netDev.read(42, netns)).hasValueSatisfying(l -> assertThat(l).extracting(InterfaceCounters::name)
                .containsExactly("eth0", "eth1"));
        assertThat(netDev.read(43, netns)).as("process gone").isEmpty();

        Files.delete(proc.resolve("42/ns/net"));
        Files.createSymbolicLink(proc.resolve("42/ns/net"), Path.of("net:[1]"));
        assertThat(netDev.read(42, netns)).as("pid reused by a process elsewhere").isEmpty();
    }
}
