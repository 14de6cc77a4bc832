package dev.berth.shim.runc.checkpoint;

import static dev.berth.shim.runc.checkpoint.LayerFixture.entries;
import static dev.berth.shim.runc.checkpoint.LayerFixture.whiteout;
import static dev.berth.shim.runc.checkpoint.LayerFixture.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RootfsDiffTest {
    @TempDir
    Path dir;
    private final LayerFixture fx = new LayerFixture();

    @Test
    void filesLinksAndDirsOfTheUpperLayerGoIntoTheTarWithTheirMetadata() throws Exception {
        Path upper = dir.resolve("upper");
        Path motd = write(upper.resolve("etc/motd"), "hello");
        Files.setPosixFilePermissions(motd, PosixFilePermissions.fromString("rw-r-----"));
        boolean root = "root".equals(System.getProperty("user.name"));
        if (root) {
            Files.setAttribute(motd, "unix:uid", 1234);
        }
        Files.createLink(upper.resolve("etc/hard"), motd);
        Files.createSymbolicLink(upper.resolve("etc/link"), Path.of("motd"));
        Files.createDirectories(upper.resolve("tmp/empty"));
        LayerFixture.run("mkfifo", upper.resolve("tmp/fifo").toString());

        Map<String, byte[]> contents = new HashMap<>();
        List<String> deleted = diff(new OverlayLayer(upper, List.of(), OverlayLayer.TRUSTED_OPAQUE), contents);

        assertThat(deleted).isEmpty();
        Map<String, TarArchiveEntry> e = read(contents);
        assertThat(e.keySet()).containsExactly("etc/", "etc/hard", "etc/link", "etc/motd", "tmp/", "tmp/empty/",
                "tmp/fifo");
        // the first name of a hard-linked file carries its content, the others link to it
        assertThat(e.get("etc/hard").isFile()).isTrue();
        assertThat(new String(contents.get("etc/hard"), StandardCharsets.UTF_8)).isEqualTo("hello");
        assertThat(e.get("etc/hard").getMode() & 07777).isEqualTo(0640);
        assertThat(e.get("etc/hard").getLongUserId()).isEqualTo(root ? 1234 : (Integer) Files.getAttribute(motd, "unix:uid"));
        assertThat(e.get("etc/motd").isLink()).isTrue();
        assertThat(e.get("etc/motd").getLinkName()).isEqualTo("etc/hard");
        assertThat(e.get("etc/link").isSymbolicLink()).isTrue();
        assertThat(e.get("etc/link").getLinkName()).isEqualTo("motd");
        assertThat(e.get("tmp/empty/").isDirectory()).isTrue();
        assertThat(e.get("tmp/fifo").isFIFO()).isTrue();
    }

    @Test
    void whiteoutsBecomeDeletedFilesNotTarEntries() throws Exception {
        LayerFixture.assumeRoot();
        Path upper = dir.resolve("upper");
        write(upper.resolve("etc/new"), "n");
        whiteout(upper.resolve("etc/motd"));
        whiteout(upper.resolve("usr"));

        Map<String, byte[]> contents = new HashMap<>();
        List<String> deleted = diff(new OverlayLayer(upper, List.of(dir.resolve("lower")), OverlayLayer.TRUSTED_OPAQUE),
                contents);

        assertThat(deleted).containsExactly("/etc/motd", "/usr");
        assertThat(read(contents).keySet()).containsExactly("etc/", "etc/new");
    }

    @Test
    void anOpaqueDirectoryDeletesWhatTheLowerLayersShowedInIt() throws Exception {
        LayerFixture.assumeRoot();
        Path upper = dir.resolve("upper");
        Path near = dir.resolve("near");
        Path far = dir.resolve("far");
        write(upper.resolve("var/cache/kept"), "new content");
        fx.opaque(upper.resolve("var/cache"));
        write(near.resolve("var/cache/kept"), "old");
        write(near.resolve("var/cache/a"), "a");
        whiteout(near.resolve("var/cache/gone-already"));
        write(far.resolve("var/cache/gone-already"), "deleted by the near layer: not visible, not listed");
        write(far.resolve("var/cache/b/deep"), "b");
        write(far.resolve("var/other"), "outside the opaque dir: untouched");

        Map<String, byte[]> contents = new HashMap<>();
        List<String> deleted = diff(new OverlayLayer(upper, List.of(near, far), OverlayLayer.TRUSTED_OPAQUE), contents);

        assertThat(deleted).containsExactly("/var/cache/a", "/var/cache/b");
        assertThat(read(contents).keySet()).containsExactly("var/", "var/cache/", "var/cache/kept");
    }

    @Test
    void anOpaqueLowerDirectoryHidesTheFartherLayers() throws Exception {
        Path upper = dir.resolve("upper");
        Path near = dir.resolve("near");
        Path far = dir.resolve("far");
        Files.createDirectories(upper.resolve("d"));
        fx.opaque(upper.resolve("d"));
        write(near.resolve("d/x"), "x");
        fx.opaque(near.resolve("d"));
        write(far.resolve("d/y"), "hidden by the near layer's opaque d");

        assertThat(diff(new OverlayLayer(upper, List.of(near, far), OverlayLayer.TRUSTED_OPAQUE), new HashMap<>()))
                .containsExactly("/d/x");
    }

    @Test
    void theRuntimesMountPointPlaceholdersAreNotChanges() throws Exception {
        Path upper = dir.resolve("upper");
        write(upper.resolve("etc/hosts"), "");
        write(upper.resolve("etc/app.conf"), "the container's own");
        Files.createDirectories(upper.resolve("proc"));
        write(upper.resolve("dev/shm/hidden"), "under a mount");
        Set<String> mounts = MountPoints.of(write(dir.resolve("config.json"), "{\"mounts\": ["
                + "{\"destination\": \"/proc\", \"type\": \"proc\"}, {\"destination\": \"/dev\"},"
                + " {\"destination\": \"/dev/shm\"}, {\"destination\": \"/etc/hosts\"}, {\"destination\": \"/\"},"
                + " {\"destination\": \"/data/../var/log/\"}]}"));
        assertThat(mounts).containsExactlyInAnyOrder("proc", "dev", "dev/shm", "etc/hosts", "var/log");

        Map<String, byte[]> contents = new HashMap<>();
        diff(new OverlayLayer(upper, List.of(), OverlayLayer.TRUSTED_OPAQUE), mounts, contents);
        assertThat(read(contents).keySet()).containsExactly("etc/", "etc/app.conf");
    }

    @Test
    void symbolicLinksAreArchivedAsLinksNeverFollowedOutOfTheLayer() throws Exception {
        Path upper = dir.resolve("upper");
        write(dir.resolve("host/secret"), "host only");
        Files.createDirectories(upper);
        Files.createSymbolicLink(upper.resolve("escape"), dir.resolve("host"));
        Files.createSymbolicLink(upper.resolve("file"), dir.resolve("host/secret"));

        Map<String, byte[]> contents = new HashMap<>();
        diff(new OverlayLayer(upper, List.of(), OverlayLayer.TRUSTED_OPAQUE), contents);
        Map<String, TarArchiveEntry> e = read(contents);
        assertThat(e.keySet()).containsExactly("escape", "file");
        assertThat(e.values()).allMatch(TarArchiveEntry::isSymbolicLink);
        assertThat(contents).isEmpty();
    }

    @Test
    void aFileChangedWhileReadKeepsTheSizeItsEntryAnnounced() throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        RootfsDiff.copyExactly(new java.io.ByteArrayInputStream("12".getBytes(StandardCharsets.UTF_8)), 4, out);
        assertThat(out.toByteArray()).containsExactly('1', '2', 0, 0);
        out.reset();
        RootfsDiff.copyExactly(new java.io.ByteArrayInputStream("123456".getBytes(StandardCharsets.UTF_8)), 3, out);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("123");
    }

    @Test
    void aReadOnlyRootHasNoChanges() throws Exception {
        Map<String, byte[]> contents = new HashMap<>();
        assertThat(diff(new OverlayLayer(null, List.of(dir), OverlayLayer.TRUSTED_OPAQUE), contents)).isEmpty();
        assertThat(read(contents)).isEmpty();
    }

    @Test
    void stopsAtTheDeadline() throws Exception {
        write(dir.resolve("upper/f"), "f");
        RootfsDiff d = new RootfsDiff(new OverlayLayer(dir.resolve("upper"), List.of(), OverlayLayer.TRUSTED_OPAQUE),
                Set.of(), fx.reader(), Deadline.in(Duration.ofNanos(1)));
        Thread.sleep(1);
        assertThatThrownBy(() -> d.write(dir.resolve("diff.tar"))).isInstanceOfSatisfying(BerthException.class,
                e -> assertThat(e.kind()).isEqualTo(ErrorKind.DEADLINE_EXCEEDED));
    }

    private List<String> diff(OverlayLayer layer, Map<String, byte[]> contents) throws Exception {
        return diff(layer, Set.of(), contents);
    }

    private List<String> diff(OverlayLayer layer, Set<String> mountPoints, Map<String, byte[]> contents)
            throws Exception {
        List<String> deleted = new RootfsDiff(layer, mountPoints, fx.reader(), Deadline.in(Duration.ofMinutes(1)))
                .write(dir.resolve("diff.tar"));
        contents.clear();
        return deleted;
    }

    private Map<String, TarArchiveEntry> read(Map<String, byte[]> contents) throws Exception {
        try (var in = Files.newInputStream(dir.resolve("diff.tar"))) {
            return entries(in, contents);
        }
    }
}
