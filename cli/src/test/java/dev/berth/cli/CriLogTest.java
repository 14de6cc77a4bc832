package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.cli.CriLog.Line;
import dev.berth.cli.CriLog.Record;
import dev.berth.cli.CriLog.Stream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CriLogTest {
    private static final String TS = "2024-05-01T10:00:00.123456789Z";

    @Test
    void parsesRecords() {
        assertThat(CriLog.parse(TS + " stdout F hello world")).isEqualTo(new Record(TS, Stream.stdout, false, "hello world"));
        assertThat(CriLog.parse(TS + " stderr P part")).isEqualTo(new Record(TS, Stream.stderr, true, "part"));
        // text keeps its own spaces, and may be empty with or without the separating space
        assertThat(CriLog.parse(TS + " stdout F   indented ")).isEqualTo(new Record(TS, Stream.stdout, false, "  indented "));
        assertThat(CriLog.parse(TS + " stdout F ")).isEqualTo(new Record(TS, Stream.stdout, false, ""));
        assertThat(CriLog.parse(TS + " stdout F")).isEqualTo(new Record(TS, Stream.stdout, false, ""));
        // later tags after ':' are allowed
        assertThat(CriLog.parse(TS + " stdout P:x text")).isEqualTo(new Record(TS, Stream.stdout, true, "text"));
    }

    @Test
    void rejectsWhatIsNotTheCriFormat() {
        assertThat(CriLog.parse("")).isNull();
        assertThat(CriLog.parse("just text")).isNull();
        assertThat(CriLog.parse(TS + " stdin F x")).isNull();
        assertThat(CriLog.parse(TS + " stdout X x")).isNull();
        assertThat(CriLog.parse(" stdout F x")).isNull();
    }

    @Test
    void joinsPartialLinesPerStream() {
        List<Line> lines = CriLog.lines(List.of(
                TS + " stdout P par",
                "2024-05-01T10:00:01Z stderr F err line",
                "2024-05-01T10:00:02Z stdout P ti",
                "2024-05-01T10:00:03Z stdout F al",
                "2024-05-01T10:00:04Z stdout F next"), -1);
        assertThat(lines).containsExactly(
                new Line("2024-05-01T10:00:01Z", Stream.stderr, "err line"),
                new Line(TS, Stream.stdout, "partial"),
                new Line("2024-05-01T10:00:04Z", Stream.stdout, "next"));
    }

    @Test
    void anUnfinishedPartialLineAndForeignLinesStillShow() {
        assertThat(CriLog.lines(List.of("not cri", TS + " stdout P open"), -1)).containsExactly(
                new Line("", Stream.stdout, "not cri"), new Line(TS, Stream.stdout, "open"));
    }

    @Test
    void tailCountsJoinedLines() {
        List<String> file = List.of(TS + " stdout F a", TS + " stdout P b", TS + " stdout F c", TS + " stderr F d");
        assertThat(CriLog.lines(file, 2)).extracting(Line::text).containsExactly("bc", "d");
        assertThat(CriLog.lines(file, 0)).isEmpty();
        assertThat(CriLog.lines(file, 10)).extracting(Line::text).containsExactly("a", "bc", "d");
    }

    @Test
    void readerGivesWholeLinesOnlyAndFollowsGrowth(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("0.log");
        Files.writeString(log, "one\ntw");
        List<String> seen = new ArrayList<>();
        try (LogFileReader r = new LogFileReader(log)) {
            assertThat(r.readAvailable(seen::add)).isEqualTo(1);
            assertThat(seen).containsExactly("one");
            Files.writeString(log, "o\nthree\n", StandardOpenOption.APPEND);
            assertThat(r.readAvailable(seen::add)).isEqualTo(2);
            assertThat(r.readAvailable(seen::add)).isZero();
        }
        assertThat(seen).containsExactly("one", "two", "three");
    }

    @Test
    void readerFollowsRotationReadingTheOldFileToItsEndFirst(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("0.log");
        Files.writeString(log, "a\n");
        List<String> seen = new ArrayList<>();
        try (LogFileReader r = new LogFileReader(log)) {
            r.readAvailable(seen::add);
            Files.writeString(log, "b\n", StandardOpenOption.APPEND);
            Files.move(log, dir.resolve("0.log.1"));
            assertThat(r.readAvailable(seen::add)).as("renamed, not yet reopened").isEqualTo(1);
            Files.writeString(dir.resolve("0.log.1"), "c\n", StandardOpenOption.APPEND); // written before the reopen
            Files.writeString(log, "d\n"); // the runtime's new file
            r.readAvailable(seen::add);
            Files.writeString(log, "e\n", StandardOpenOption.APPEND);
            r.readAvailable(seen::add);
        }
        assertThat(seen).containsExactly("a", "b", "c", "d", "e");
    }

    @Test
    void readerStartsOverWhenTheFileIsTruncated(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("0.log");
        Files.writeString(log, "first line\nsecond line\n");
        List<String> seen = new ArrayList<>();
        try (LogFileReader r = new LogFileReader(log)) {
            r.readAvailable(seen::add);
            Files.writeString(log, "x\n", StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
            r.readAvailable(seen::add);
        }
        assertThat(seen).containsExactly("first line", "second line", "x");
    }
}
