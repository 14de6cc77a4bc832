package dev.berth.shim.runc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.errdefs.BerthException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConmonTest {
    @TempDir
    Path tmp;

    private Conmon conmon(boolean systemd, long logMax) {
        return new Conmon(Path.of("/usr/bin/conmon"),
                new RuncShimSettings("runc", "conmon", systemd, "/berth", 1024, logMax, "criu"), Duration.ofSeconds(1));
    }

    @Test
    void argumentsFollowTheSpec() {
        ContainerDirs d = new ContainerDirs(tmp, "c1");
        var args = conmon(true, 1000).arguments(new Conmon.Request(d, Path.of("/usr/sbin/runc"), "web", "/logs/c1.log", true, false, true));
        assertThat(String.join(" ", args)).contains("-c c1 -u c1 -n web -r /usr/sbin/runc -b " + d.bundle())
                .contains("-l k8s-file:/logs/c1.log").contains("--exit-dir " + d.exitDir())
                .contains("--runtime-arg --root=" + tmp.resolve("runc")).contains("-0 " + d.persistDir());
        assertThat(args).contains("-s", "-i", "--leave-stdin-open", "-t", "--log-size-max", "1000");

        var plain = conmon(false, -1).arguments(new Conmon.Request(d, Path.of("/usr/sbin/runc"), "", "", true, true, false));
        assertThat(plain).contains("none:", "-i").doesNotContain("-s", "--leave-stdin-open", "-t", "--log-size-max");
    }

    @Test
    void syncMessage() throws Exception {
        ContainerDirs d = new ContainerDirs(tmp, "c1");
        assertThat(conmon(false, -1).parseSync("{\"data\": 4242}", d)).isEqualTo(4242);
        Files.createDirectories(d.bundle());
        Files.writeString(d.runtimeLog(), "{\"level\":\"warning\",\"msg\":\"meh\"}\n"
                + "{\"level\":\"error\",\"msg\":\"exec: \\\"/nonexistent\\\": no such file\"}\n");
        assertThatThrownBy(() -> conmon(false, -1).parseSync("{\"data\": -1, \"message\": \"exit status 1\"}", d))
                .isInstanceOf(BerthException.class).hasMessageContaining("exit status 1")
                .hasMessageContaining("/nonexistent");
    }
}
