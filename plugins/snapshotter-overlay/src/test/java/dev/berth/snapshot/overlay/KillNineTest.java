package dev.berth.snapshot.overlay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.core.snapshot.Info;
import dev.berth.core.snapshot.Kind;
import dev.berth.core.mount.Mounts;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Kills a snapshotter process mid-work several times; every reopen must find a consistent store. */
class KillNineTest {
    @TempDir
    Path tmp;

    @Test
    void killNineLeavesNothingHalfDone() throws Exception {
        Path root = tmp.resolve("root");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (int round = 0; round < 4; round++) {
            Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    CrashLoop.class.getName(), root.toString(), Integer.toString(round))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream()));
            assertThat(out.readLine()).as("child started").isEqualTo("ready");
            Thread.sleep(400 + round * 250L);
            assertThat(p.isAlive()).as("child still working").isTrue();
            p.destroyForcibly(); // SIGKILL
            p.waitFor(30, TimeUnit.SECONDS);

            try (OverlaySnapshotter sn = OverlaySnapshotter.open(root)) {
                Map<String, Info> infos = new HashMap<>();
                sn.walk(i -> true, i -> infos.put(i.name(), i));
                for (Info i : infos.values()) {
                    if (i.parent() != null) {
                        assertThat(infos.get(i.parent())).as("parent of " + i.name()).isNotNull();
                        assertThat(infos.get(i.parent()).kind()).isEqualTo(Kind.COMMITTED);
                    }
                    if (i.kind() == Kind.ACTIVE) {
                        assertThat(sn.activeDir(i.name())).isDirectory();
                    }
                    if (i.kind() != Kind.COMMITTED) {
                        // every mount the store hands out works
                        Path target = Files.createDirectories(tmp.resolve("m"));
                        Mounts.mount(sn.mounts(i.name()), target);
                        Mounts.unmountAll(target);
                    }
                }
                try (var dirs = Files.list(root.resolve("snapshots"))) {
                    List<String> names = dirs.map(d -> d.getFileName().toString()).sorted().toList();
                    assertThat(names).as("one directory per snapshot; records: %s", infos.values()).hasSize(infos.size());
                }
                assertThat(infos).isNotEmpty();
            }
        }
        assertThat(Mounts.mountPointsUnder(tmp)).isEmpty();
    }
}
