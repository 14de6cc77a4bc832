package dev.berth.core.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cross-process case (a second berthd) is DaemonLifecycleIT's; here what one process sees. */
class DirectoryLocksTest {
    @TempDir
    Path dir;

    @Test
    void locksBothDirectoriesWritesThePidAndReleasesOnClose() throws Exception {
        Path root = dir.resolve("root");
        Path state = dir.resolve("run/state");
        try (DirectoryLocks locks = DirectoryLocks.acquire(root, state)) {
            for (Path d : new Path[] {root, state}) {
                assertThat(Files.readString(d.resolve(DirectoryLocks.FILE)).strip())
                        .isEqualTo(Long.toString(ProcessHandle.current().pid()));
            }
            assertThatThrownBy(() -> DirectoryLocks.acquire(dir.resolve("other"), state))
                    .isInstanceOf(IOException.class).hasMessageContaining(state.toString());
            assertThat(dir.resolve("other/" + DirectoryLocks.FILE)).as("the refused acquire got as far as other").exists();
            DirectoryLocks.acquire(dir.resolve("other")).close(); // and released it: nothing stays locked
        }
        DirectoryLocks.acquire(root, state).close();
    }

    @Test
    void theSameDirectoryTwiceIsOneLockEvenThroughALink() throws Exception {
        Path link = Files.createSymbolicLink(dir.resolve("link"), dir);
        DirectoryLocks.acquire(dir, dir.resolve("."), link).close();
    }
}
