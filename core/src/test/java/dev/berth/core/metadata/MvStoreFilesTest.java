package dev.berth.core.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MvStoreFilesTest {
    @TempDir
    Path dir;

    @Test
    void committedRecordsSurviveAReopen() {
        Path file = dir.resolve("records.db");
        try (MVStore s = MvStoreFiles.open(file)) {
            s.<String, String>openMap("records").put("a", "1");
            s.commit();
            s.sync();
        }
        try (MVStore s = MvStoreFiles.open(file)) {
            assertThat(s.<String, String>openMap("records").get("a")).isEqualTo("1");
        }
    }

    @Test
    void keepsNoMegabyteWriteBufferAfterCommits() {
        try (MVStore s = MvStoreFiles.open(dir.resolve("records.db"))) {
            MVMap<String, String> m = s.openMap("records");
            for (int i = 0; i < 20; i++) {
                m.put("k" + i, "v" + i);
                s.commit();
            }
            // MVStore's own file store would hand back the pooled 1 MB buffer of the last commit here
            assertThat(s.getFileStore().getWriteBuffer().capacity()).isEqualTo(MvStoreFiles.WRITE_BUFFER_BYTES);
        }
    }

    @Test
    void aCommitLargerThanTheBufferIsWrittenWhole() {
        Path file = dir.resolve("records.db");
        String big = "x".repeat(300_000);
        try (MVStore s = MvStoreFiles.open(file)) {
            s.<String, String>openMap("records").put("big", big);
            s.commit();
            s.sync();
        }
        try (MVStore s = MvStoreFiles.open(file)) {
            assertThat(s.<String, String>openMap("records").get("big")).isEqualTo(big);
        }
    }

    @Test
    void aSecondOpenOfALockedFileFailsAndTheFirstStaysUsable() {
        Path file = dir.resolve("records.db");
        try (MVStore first = MvStoreFiles.open(file)) {
            assertThatThrownBy(() -> MvStoreFiles.open(file)).hasMessageContaining("locked");
            first.<String, String>openMap("records").put("a", "1");
            first.commit();
            assertThat(first.<String, String>openMap("records").get("a")).isEqualTo("1");
        }
    }

    @Test
    void deadChunksAreReusedAtOnce() {
        try (MVStore s = MvStoreFiles.open(dir.resolve("records.db"))) {
            assertThat(s.getRetentionTime()).isZero();
            assertThat(s.getAutoCommitDelay()).isZero();
        }
    }
}
