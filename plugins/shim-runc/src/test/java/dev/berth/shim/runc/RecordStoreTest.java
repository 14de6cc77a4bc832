package dev.berth.shim.runc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.core.runtime.ContainerUser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecordStoreTest {
    @TempDir
    Path dir;

    private static ContainerRecord rec(String id, Instant created) {
        return new ContainerRecord(id, "name-" + id, created, null, "/var/log/pods/x/" + id + ".log", true, false,
                false, "/run/b/" + id, false, 42, 41, null, null, false, "/usr/sbin/runc",
                new ContainerUser(1000, 1000, List.of(1000L, 50000L)));
    }

    @Test
    void roundTripsAndReplacesAtomically() throws Exception {
        RecordStore s = new RecordStore(dir);
        Instant t = Instant.parse("2024-01-02T03:04:05.123456789Z");
        ContainerRecord r = rec("a", t);
        s.put(r);
        assertThat(s.get("a")).contains(r);
        ContainerRecord started = r.withStarted(t.plusSeconds(1)).withExitReported();
        s.update(started);
        assertThat(s.get("a")).contains(started);
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("a.json");
        }
        s.remove("a");
        s.remove("a");
        assertThat(s.get("a")).isEmpty();
    }

    @Test
    void aRecordFromBeforeUsersWereKeptReadsWithoutOne() throws Exception {
        RecordStore s = new RecordStore(dir);
        s.put(rec("old", Instant.parse("2024-01-02T03:04:05Z")));
        Path file = dir.resolve("old.json");
        String json = Files.readString(file);
        Files.writeString(file, json.replaceAll(",\\s*\"user\"\\s*:\\s*\\{[^}]*\\}", ""));
        assertThat(Files.readString(file)).doesNotContain("user");
        assertThat(s.get("old")).hasValueSatisfying(r -> assertThat(r.user()).isNull());
    }

    @Test
    void loadAllIsOldestFirstAndSkipsJunk() throws Exception {
        RecordStore s = new RecordStore(dir);
        Instant t = Instant.parse("2024-01-02T03:04:05Z");
        s.put(rec("late", t.plusSeconds(10)));
        s.put(rec("early", t));
        Files.writeString(dir.resolve("broken.json"), "{not json");
        Files.writeString(dir.resolve(".half.json.tmp"), "{");
        Files.writeString(dir.resolve("renamed.json"), Files.readString(dir.resolve("early.json")));
        assertThat(s.loadAll()).extracting(ContainerRecord::id).containsExactly("early", "late");
    }
}
