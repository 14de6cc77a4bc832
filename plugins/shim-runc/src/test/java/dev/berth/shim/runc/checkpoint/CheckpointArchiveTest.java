package dev.berth.shim.runc.checkpoint;

import static dev.berth.shim.runc.checkpoint.LayerFixture.entries;
import static dev.berth.shim.runc.checkpoint.LayerFixture.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The archive around a CRIU dump, with a fake dump: image files CRIU would write, its log and statistics. */
class CheckpointArchiveTest {
    private static final String SPEC = "{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"sh\"]}}";
    private static final byte[] CONFIG = "{\"id\": \"c1\"}".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;
    private final LayerFixture fx = new LayerFixture();
    private Path work;
    private Path spec;
    private Path out;
    private Path upper;

    @BeforeEach
    void fakeDump() throws IOException {
        work = Files.createDirectories(dir.resolve("work"));
        write(work.resolve("checkpoint/pstree.img"), "pstree");
        write(work.resolve("checkpoint/core-1.img"), "core");
        write(work.resolve("checkpoint/inventory.img"), "inventory");
        write(work.resolve("dump.log"), "(00.000001) Dumping finished successfully\n");
        write(work.resolve("stats-dump"), "stats");
        spec = write(dir.resolve("config.json"), SPEC);
        out = Files.createDirectories(dir.resolve("out")).resolve("checkpoint.tar");
        upper = Files.createDirectories(dir.resolve("upper"));
        write(upper.resolve("tmp/counter.txt"), "42\n");
    }

    @Test
    void holdsTheImagesSpecConfigAndRootfsChangesInTheCheckpointctlLayout() throws Exception {
        LayerFixture.assumeRoot();
        LayerFixture.whiteout(upper.resolve("etc/motd"));

        pack(layer(upper));

        Map<String, byte[]> contents = new HashMap<>();
        Map<String, TarArchiveEntry> e = entries(Files.newInputStream(out), contents);
        assertThat(e.keySet()).containsExactly("checkpoint/", "checkpoint/core-1.img", "checkpoint/inventory.img",
                "checkpoint/pstree.img", "spec.dump", "config.dump", "rootfs-diff.tar", "deleted.files", "dump.log",
                "stats-dump");
        assertThat(text(contents, "checkpoint/pstree.img")).isEqualTo("pstree");
        assertThat(text(contents, "spec.dump")).isEqualTo(SPEC);
        assertThat(contents.get("config.dump")).isEqualTo(CONFIG);
        assertThat(text(contents, "deleted.files")).isEqualTo("[\"/etc/motd\"]");
        assertThat(text(contents, "stats-dump")).isEqualTo("stats");
        Map<String, byte[]> diff = new HashMap<>();
        assertThat(entries(new ByteArrayInputStream(contents.get("rootfs-diff.tar")), diff).keySet())
                .containsExactly("etc/", "tmp/", "tmp/counter.txt");
        assertThat(text(diff, "tmp/counter.txt")).isEqualTo("42\n");
        assertThat(Files.getPosixFilePermissions(out)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(siblings()).containsExactly("checkpoint.tar");
    }

    @Test
    void withoutDeletionsThereIsNoDeletedFilesAndAnOldArchiveIsReplaced() throws Exception {
        Files.writeString(out, "an older archive");
        pack(layer(upper));
        assertThat(entries(Files.newInputStream(out), null).keySet()).contains("rootfs-diff.tar")
                .doesNotContain("deleted.files");
        assertThat(siblings()).containsExactly("checkpoint.tar");
    }

    @Test
    void aDumpWithoutImagesLeavesNothingBehind() throws Exception {
        Files.walk(work.resolve("checkpoint")).sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
        assertThatThrownBy(() -> pack(layer(upper))).isInstanceOf(IOException.class).hasMessageContaining("image");
        assertThat(siblings()).isEmpty();
    }

    @Test
    void anExpiredDeadlineLeavesNothingBehind() throws Exception {
        Deadline expired = Deadline.in(Duration.ofNanos(1));
        Thread.sleep(1);
        assertThatThrownBy(() -> CheckpointArchive.write(out, work, spec, Map.of("config.dump", CONFIG),
                new RootfsDiff(layer(null), Set.of(), fx.reader(), expired), expired))
                .isInstanceOfSatisfying(BerthException.class,
                        e -> assertThat(e.kind()).isEqualTo(ErrorKind.DEADLINE_EXCEEDED));
        assertThat(siblings()).isEmpty();
    }

    @Test
    void extraFilesCannotTakeTheArchivesOwnNamesOrLeaveTheTop() throws IOException {
        for (String bad : List.of("spec.dump", "checkpoint", "../x", "a/b", ".hidden", "")) {
            assertThatThrownBy(() -> CheckpointArchive.write(out, work, spec, Map.of(bad, CONFIG),
                    new RootfsDiff(layer(upper), Set.of(), fx.reader(), Deadline.in(Duration.ofMinutes(1))),
                    Deadline.in(Duration.ofMinutes(1)))).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(siblings()).isEmpty();
    }

    private void pack(OverlayLayer layer) throws IOException {
        Deadline d = Deadline.in(Duration.ofMinutes(1));
        CheckpointArchive.write(out, work, spec, Map.of("config.dump", CONFIG), new RootfsDiff(layer, Set.of(), fx.reader(), d), d);
    }

    private OverlayLayer layer(Path up) {
        return new OverlayLayer(up, List.of(), OverlayLayer.TRUSTED_OPAQUE);
    }

    private List<String> siblings() throws IOException {
        try (Stream<Path> s = Files.list(out.getParent())) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static String text(Map<String, byte[]> contents, String name) {
        return new String(contents.get(name), StandardCharsets.UTF_8);
    }
}
