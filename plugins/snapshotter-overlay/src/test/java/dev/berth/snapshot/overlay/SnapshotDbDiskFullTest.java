package dev.berth.snapshot.overlay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.snapshot.Kind;
import dev.berth.core.snapshot.Usage;
import dev.berth.testing.reliability.Fault;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A full disk fails one metadata write, not the snapshot store: on a real tmpfs that is filled up. */
class SnapshotDbDiskFullTest {
    @TempDir
    Path tmp;
    Path fs;

    @BeforeEach
    void mountSmallTmpfs() throws Exception {
        fs = Files.createDirectories(tmp.resolve("fs"));
        run("mount", "-t", "tmpfs", "-o", "size=1m", "berth-test-tmpfs", fs.toString());
    }

    @AfterEach
    void unmount() throws Exception {
        run("umount", fs.toString());
    }

    @Test
    @Fault(value = "disk full at a snapshot metadata commit",
            expect = "that operation fails RESOURCE_EXHAUSTED; the store stays open and the next operation works")
    void aCommitOnAFullDiskFailsWithResourceExhaustedAndTheNextOneWorks() throws IOException {
        Path file = fs.resolve("metadata.db");
        Path filler = fs.resolve("filler");
        try (SnapshotDb db = new SnapshotDb(file)) {
            db.create("before", record(1));
            fill(filler);

            // MVStore writes whole chunks: a few records more than fit in what is left
            assertThatThrownBy(() -> {
                for (int i = 2; i < 200; i++) {
                    db.create("big-" + i, record(i, "x".repeat(4096)));
                }
            }).isInstanceOfSatisfying(BerthException.class,
                    e -> assertThat(e.kind()).isEqualTo(ErrorKind.RESOURCE_EXHAUSTED))
                    .hasMessageContaining("no space left");

            Files.delete(filler);
            db.create("after", record(500));
            assertThat(db.get("before")).isNotNull();
            assertThat(db.get("after")).isNotNull();
        }
        try (SnapshotDb db = new SnapshotDb(file)) {
            assertThat(db.all()).containsKeys("before", "after");
            assertThat(db.lastId()).isGreaterThanOrEqualTo(500);
        }
    }

    private static SnapshotRecord record(long id) {
        return record(id, "v");
    }

    private static SnapshotRecord record(long id, String label) {
        Instant t = Instant.EPOCH;
        return new SnapshotRecord(id, Kind.ACTIVE, null, Map.of("l", label), t, t, Usage.ZERO);
    }

    private static void fill(Path filler) {
        byte[] block = new byte[4096];
        try (OutputStream out = Files.newOutputStream(filler)) {
            for (int i = 0; i < 1024; i++) {
                out.write(block);
            }
        } catch (IOException full) {
            assertThat(full).hasMessageContaining("No space left");
        }
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        assertThat(p.waitFor()).as(String.join(" ", cmd)).isZero();
    }
}
