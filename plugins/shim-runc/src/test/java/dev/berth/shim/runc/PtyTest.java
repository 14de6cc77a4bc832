package dev.berth.shim.runc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The pty as runc sees it: a child given the slave reads the size set on the master, and what it writes is kept. */
class PtyTest {
    private final Libc libc = Libc.load();

    @Test
    void sizeSetOnTheMasterIsSeenOnTheSlaveAndOutputIsDrained() throws Exception {
        try (Pty pty = Pty.open(libc)) {
            assertThat(Path.of(pty.slavePath())).exists();
            pty.resize(132, 43);
            // like runc: the slave is the child's stderr, write-only
            Process p = new ProcessBuilder("sh", "-c", "stty size <&2; echo oops >&2")
                    .redirectError(ProcessBuilder.Redirect.to(new File(pty.slavePath()))).start();
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("43 132\n");
            assertThat(new String(pty.drain(), StandardCharsets.UTF_8)).contains("oops");
            assertThat(pty.drain()).isEmpty();
        }
    }

    @Test
    void closeReleasesTheMasterAndLaterCallsDoNothing() throws Exception {
        long before = openFds();
        Pty pty = Pty.open(libc);
        assertThat(openFds()).isEqualTo(before + 1);
        pty.close();
        pty.close();
        pty.resize(10, 10);
        assertThat(pty.drain()).isEmpty();
        assertThat(openFds()).isEqualTo(before);
    }

    private static long openFds() throws Exception {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }
}
