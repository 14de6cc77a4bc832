package dev.berth.sample.nativesnapshotter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.core.mount.Mount;
import dev.berth.core.mount.Mounts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Mounts snapshots on fresh directories under a test's temp dir and unmounts everything there afterwards. */
final class MountTracker {
    private final Path base;
    private int next;

    MountTracker(Path base) {
        this.base = base;
    }

    Path mount(List<Mount> mounts) throws IOException {
        Path target = Files.createDirectories(base.resolve("mnt-" + next++));
        Mounts.mount(mounts, target);
        return target;
    }

    /** Unmounts every mount at or below the base dir (even ones a failed test left), then checks mountinfo. */
    void unmountAll() {
        if (!Files.exists(base)) {
            return;
        }
        for (Path m : Mounts.mountPointsUnder(base)) {
            Mounts.unmountAll(m);
        }
        assertThat(Mounts.mountPointsUnder(base)).as("mounts left under " + base).isEmpty();
    }
}
