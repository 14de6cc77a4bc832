package dev.berth.content;

import dev.berth.core.fs.FileTrees;
import dev.berth.core.content.Digest;
import dev.berth.core.content.Status;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.UUID;

/**
 * The on-disk form of one ingest: {@code ingest/<sha256(ref)>/} holding {@code ref}, {@code startedat},
 * {@code total}, optionally {@code expected}, and {@code data}. A directory is built under a temp name and renamed
 * into place, so one that exists under its final name is complete; the data file only ever grows by appends.
 */
final class IngestDir {
    /** Prefix of directories still being built; whatever carries it after a crash is garbage. */
    static final String TEMP_PREFIX = ".tmp-";

    private final Path dir;

    IngestDir(Path dir) {
        this.dir = dir;
    }

    static IngestDir forRef(Path ingestRoot, String ref) {
        return new IngestDir(ingestRoot.resolve(Digest.sha256(ref.getBytes(StandardCharsets.UTF_8)).hex()));
    }

    /** What an ingest was opened with. {@code expected} is null when no digest was given. */
    record Header(String ref, Instant startedAt, long total, Digest expected) {
    }

    Path dir() {
        return dir;
    }

    Path data() {
        return dir.resolve("data");
    }

    /** Creates the ingest with an empty data file; it must not exist. */
    static IngestDir create(Path ingestRoot, String ref, long total, Digest expected, Instant now) throws IOException {
        IngestDir target = forRef(ingestRoot, ref);
        Path tmp = ingestRoot.resolve(TEMP_PREFIX + UUID.randomUUID());
        FileOps.createPrivateDirectories(tmp);
        try {
            // Plain writes, no fsync: the rename below makes the directory appear whole to this and any later
            // process (kill -9 included), and after a power loss a torn header reads as garbage (see read()),
            // so the ingest is started afresh; the data is verified at commit anyway, which is what syncs.
            // That saves five fsyncs per blob, most of them on the pull's critical path.
            Files.writeString(tmp.resolve("ref"), ref, StandardCharsets.UTF_8);
            Files.writeString(tmp.resolve("startedat"), now.toString(), StandardCharsets.UTF_8);
            Files.writeString(tmp.resolve("total"), Long.toString(total), StandardCharsets.UTF_8);
            if (expected != null) {
                Files.writeString(tmp.resolve("expected"), expected.toString(), StandardCharsets.UTF_8);
            }
            Files.createFile(tmp.resolve("data"));
            FileOps.setPermissions(tmp.resolve("data"), FileOps.OWNER_RW);
            Files.move(tmp, target.dir, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            FileTrees.deleteRecursively(tmp);
            throw e;
        }
        return target;
    }

    /** Records new expectations for an ingest that was opened without them. */
    void updateExpectations(long total, Digest expected) throws IOException {
        writeExpectations(dir, total, expected);
        FileOps.syncDirectory(dir);
    }

    private static void writeExpectations(Path dir, long total, Digest expected) throws IOException {
        FileOps.writeAtomically(dir.resolve("total"), Long.toString(total));
        if (expected != null) {
            FileOps.writeAtomically(dir.resolve("expected"), expected.toString());
        } else {
            Files.deleteIfExists(dir.resolve("expected"));
        }
    }

    /** The header, or empty when the directory is gone or not a well-formed ingest (then it is garbage). */
    Optional<Header> read() throws IOException {
        String ref = FileOps.readOrNull(dir.resolve("ref"));
        String started = FileOps.readOrNull(dir.resolve("startedat"));
        String total = FileOps.readOrNull(dir.resolve("total"));
        String expected = FileOps.readOrNull(dir.resolve("expected"));
        if (ref == null || started == null || total == null || !Files.isRegularFile(data())) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Header(ref, Instant.parse(started.trim()), Long.parseLong(total.trim()),
                    expected == null ? null : Digest.parse(expected.trim())));
        } catch (DateTimeParseException | NumberFormatException | dev.berth.core.errdefs.BerthException e) {
            return Optional.empty();
        }
    }

    /** The status of the ingest described by {@code h}, or empty when its data file is gone. */
    Optional<Status> status(Header h) throws IOException {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(data(), BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        return Optional.of(new Status(h.ref(), a.size(), h.total(), Optional.ofNullable(h.expected()), h.startedAt(),
                a.lastModifiedTime().toInstant()));
    }

    void delete() throws IOException {
        FileTrees.deleteRecursively(dir);
    }
}
