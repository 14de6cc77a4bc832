package dev.berth.shim.runc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PosixSpawnTest {
    private static final PosixSpawn SPAWN = PosixSpawn.load();

    @TempDir
    Path tmp;

    private PosixSpawn.Child sh(String script) throws IOException {
        return SPAWN.start(List.of("/bin/sh", "-c", script), Map.of("PATH", "/usr/bin:/bin", "GREETING", "hi"), tmp,
                tmp.resolve("out.log"), 3);
    }

    private static long inSeconds(long s) {
        return System.nanoTime() + s * 1_000_000_000L;
    }

    @Test
    void childGetsThePipeTheDirectoryAndTheEnvironmentAndNothingElse() throws Exception {
        PosixSpawn.Child c = sh("echo to-stdout; echo to-stderr >&2; echo \"ready $GREETING\" >&3; exec sleep 30");
        try {
            assertThat(SPAWN.readLine(c.pipe(), inSeconds(10), 1 << 16)).isEqualTo("ready hi");
            Path proc = Path.of("/proc", Integer.toString(c.pid()));
            // dash keeps a saved copy of a redirected fd (as fd 10) until the echo is done: list the fds of the
            // process once it is sleep, which is what a spawned program would hold from the start
            for (int i = 0; i < 1000 && !Files.readString(proc.resolve("comm")).strip().equals("sleep"); i++) {
                Thread.sleep(10);
            }
            try (Stream<Path> fds = Files.list(proc.resolve("fd"))) {
                assertThat(fds.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("0", "1", "2", "3");
            }
            assertThat(Files.readSymbolicLink(proc.resolve("cwd"))).isEqualTo(tmp.toRealPath());
            List<String> status = Files.readAllLines(proc.resolve("status"));
            assertThat(status).contains("SigBlk:\t0000000000000000");
            // no standard signal ignored (glibc's own realtime ones, 32 and 33, are)
            assertThat(Long.parseLong(status.stream().filter(l -> l.startsWith("SigIgn:")).findFirst().orElseThrow()
                    .substring(7).strip(), 16) & 0x7fffffffL).isZero();
        } finally {
            SPAWN.close(c.pipe());
            SPAWN.killAndReap(c.pid());
        }
        assertThat(Files.readString(tmp.resolve("out.log"))).isEqualTo("to-stdout\nto-stderr\n");
    }

    @Test
    void endOfFileWithoutALineAndTheExitStatus() throws Exception {
        PosixSpawn.Child c = sh("printf 'no newline' >&3; exit 7");
        try {
            assertThat(SPAWN.readLine(c.pipe(), inSeconds(10), 1 << 16)).isNull();
        } finally {
            SPAWN.close(c.pipe());
        }
        assertThat(SPAWN.reap(c.pid(), inSeconds(10))).isEqualTo(7);
    }

    @Test
    void aSilentChildTimesOutAndIsKilled() throws Exception {
        PosixSpawn.Child c = sh("exec sleep 30");
        long t0 = System.nanoTime();
        try {
            assertThatThrownBy(() -> SPAWN.readLine(c.pipe(), System.nanoTime() + 300_000_000L, 1 << 16))
                    .isInstanceOf(TimeoutException.class);
        } finally {
            SPAWN.close(c.pipe());
        }
        assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(250L, 5_000L);
        assertThat(SPAWN.killAndReap(c.pid())).isEqualTo(128 + 9);
    }

    @Test
    void runReturnsTheExitStatusAndBothStreamsWhenTheProgramEnds() throws Exception {
        PosixSpawn.Outcome o = SPAWN.run(List.of("/bin/sh", "-c", "echo out; echo err >&2; ls /proc/self/fd | wc -l; exit 3"),
                Map.of("PATH", "/usr/bin:/bin"), inSeconds(10), 1 << 16);
        assertThat(o.exit()).isEqualTo(3);
        // 0, 1, 2 and the fd ls opens to list them: nothing of the JVM's leaks into the child
        assertThat(o.output()).isEqualTo("out\nerr\n4\n");
    }

    @Test
    void runKeepsAtMostMaxBytesAndStillReadsToTheEnd() throws Exception {
        PosixSpawn.Outcome o = SPAWN.run(List.of("/bin/sh", "-c", "head -c 100000 /dev/zero | tr '\\0' x; exit 0"),
                Map.of("PATH", "/usr/bin:/bin"), inSeconds(10), 10);
        assertThat(o.exit()).isZero();
        assertThat(o.output()).isEqualTo("xxxxxxxxxx");
    }

    @Test
    void runKillsAProgramStillRunningAtTheDeadline() {
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> SPAWN.run(List.of("/bin/sleep", "30"), Map.of(), System.nanoTime() + 300_000_000L,
                1 << 16)).isInstanceOf(TimeoutException.class);
        assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(250L, 5_000L);
    }

    @Test
    void aMissingProgramIsAnIOException() {
        assertThatThrownBy(() -> SPAWN.start(List.of(tmp.resolve("nope").toString()), Map.of(), tmp,
                tmp.resolve("out.log"), 3)).isInstanceOf(IOException.class).hasMessageContaining("nope")
                .hasMessageContaining("No such file");
    }
}
