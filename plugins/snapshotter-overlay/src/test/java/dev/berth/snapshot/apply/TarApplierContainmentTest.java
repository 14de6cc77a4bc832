package dev.berth.snapshot.apply;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.diff.ApplyOptions;
import dev.berth.core.diff.LayerMediaTypes;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.testing.reliability.Fault;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile layers: each must fail with INVALID_ARGUMENT (or, where the tar is legal, be applied harmlessly) and must
 * leave everything outside the target exactly as it was.
 */
@Fault(value = "hostile layer tar (.., absolute names, symlinks and hardlinks out, whiteouts, devices)",
        expect = "INVALID_ARGUMENT or applied harmlessly; nothing outside the target changes")
class TarApplierContainmentTest {
    @TempDir
    Path parent;

    private Path target;
    private Path outside;
    private Path sentinel;
    private final TarApplier applier = new TarApplier();

    @BeforeEach
    void layout() throws IOException {
        target = Files.createDirectory(parent.resolve("target"));
        outside = Files.createDirectory(parent.resolve("outside"));
        Files.writeString(outside.resolve("secret"), "secret");
        Files.createDirectory(outside.resolve("sub"));
        sentinel = Files.writeString(parent.resolve("sentinel"), "sentinel");
    }

    /** Everything under {@code parent} except the target's contents: path → type, size, mtime, content. */
    private Map<String, String> outsideState() throws IOException {
        Map<String, String> state = new TreeMap<>();
        try (Stream<Path> paths = Files.walk(parent)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                if (p.startsWith(target) && !p.equals(target)) {
                    continue;
                }
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, NOFOLLOW_LINKS);
                String content = a.isRegularFile() ? Files.readString(p) : "";
                state.put(parent.relativize(p).toString(), (a.isDirectory() ? "d" : a.isSymbolicLink() ? "l" : "f")
                        + " " + a.size() + " " + (a.isDirectory() && !p.equals(target) ? a.lastModifiedTime() : "")
                        + " " + content + " " + Files.getAttribute(p, "unix:mode", NOFOLLOW_LINKS)
                        + " " + Files.getAttribute(p, "unix:uid", NOFOLLOW_LINKS));
            }
        }
        return state;
    }

    private void assertRefusedAndContained(byte[] tar, ApplyOptions options, String messagePart) throws IOException {
        Map<String, String> before = outsideState();
        assertThatThrownBy(() -> applier.apply(new ByteArrayInputStream(tar), LayerMediaTypes.OCI_TAR, target, options))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
                .hasMessageContaining(messagePart);
        assertThat(outsideState()).isEqualTo(before);
    }

    private void assertRefusedAndContained(byte[] tar, String messagePart) throws IOException {
        assertRefusedAndContained(tar, ApplyOptions.OVERLAY, messagePart);
    }

    @Test
    void dotDotEscape() throws IOException {
        assertRefusedAndContained(new TarBuilder().file("../escape", 0644, "x").tar(), "../escape");
        assertThat(parent.resolve("escape")).doesNotExist();
    }

    @Test
    void dotDotInTheMiddleEscape() throws IOException {
        assertRefusedAndContained(new TarBuilder().dir("a", 0755).file("a/../../escape", 0644, "x").tar(), "a/../../escape");
        assertThat(parent.resolve("escape")).doesNotExist();
    }

    @Test
    void dotDotThatStaysInsideIsCleaned() throws IOException {
        applier.apply(new ByteArrayInputStream(new TarBuilder().file("a/../b", 0644, "x").tar()), null, target,
                ApplyOptions.OVERLAY);
        assertThat(Files.readString(target.resolve("b"))).isEqualTo("x");
    }

    @Test
    void absoluteName() throws IOException {
        assertRefusedAndContained(new TarBuilder().file("/etc/escape-test", 0644, "x").tar(), "/etc/escape-test");
        assertThat(Path.of("/etc/escape-test")).doesNotExist();
        assertThat(target.resolve("etc")).doesNotExist();
    }

    @Test
    void fileThroughSymlinkToOutside() throws IOException {
        byte[] tar = new TarBuilder().symlink("a", outside.toString()).file("a/x", 0644, "pwned").tar();
        assertRefusedAndContained(tar, "symlink");
        assertThat(outside.resolve("x")).doesNotExist();
    }

    @Test
    void fileThroughSymlinkToDotDot() throws IOException {
        byte[] tar = new TarBuilder().symlink("a", "..").file("a/x", 0644, "pwned").tar();
        assertRefusedAndContained(tar, "a/x");
        assertThat(parent.resolve("x")).doesNotExist();
    }

    @Test
    void directoryThroughSymlink() throws IOException {
        byte[] tar = new TarBuilder().symlink("a", "../outside").dir("a/newdir", 0755).tar();
        assertRefusedAndContained(tar, "symlink");
        assertThat(outside.resolve("newdir")).doesNotExist();
    }

    @Test
    void hardlinkToOutside() throws IOException {
        byte[] tar = new TarBuilder().hardlink("x", "../sentinel").tar();
        assertRefusedAndContained(tar, "../sentinel");
    }

    @Test
    void hardlinkToAbsolutePath() throws IOException {
        byte[] tar = new TarBuilder().hardlink("x", sentinel.toString()).tar();
        assertRefusedAndContained(tar, sentinel.toString());
    }

    @Test
    void hardlinkThroughSymlinkedDirectory() throws IOException {
        byte[] tar = new TarBuilder().symlink("d", outside.toString()).hardlink("x", "d/secret").tar();
        assertRefusedAndContained(tar, "symlink");
        assertThat(Files.getAttribute(outside.resolve("secret"), "unix:nlink")).isEqualTo(1);
    }

    @Test
    void hardlinkToSymlinkLinksTheLinkNotItsTarget() throws IOException {
        byte[] tar = new TarBuilder().symlink("s", sentinel.toString()).hardlink("h", "s").tar();
        Map<String, String> before = outsideState();
        applier.apply(new ByteArrayInputStream(tar), null, target, ApplyOptions.OVERLAY);
        assertThat(Files.isSymbolicLink(target.resolve("h"))).isTrue();
        assertThat(Files.getAttribute(sentinel, "unix:nlink")).isEqualTo(1);
        assertThat(outsideState()).isEqualTo(before);
    }

    @Test
    void regularFileOverSymlinkReplacesTheLinkInsteadOfWritingThroughIt() throws IOException {
        // legal tar (a later entry replaces an earlier one): applied, but the link is never followed
        byte[] tar = new TarBuilder().symlink("f", sentinel.toString()).file("f", 0644, "pwned").tar();
        Map<String, String> before = outsideState();
        applier.apply(new ByteArrayInputStream(tar), null, target, ApplyOptions.OVERLAY);
        assertThat(outsideState()).isEqualTo(before);
        assertThat(Files.readString(sentinel)).isEqualTo("sentinel");
        assertThat(Files.isRegularFile(target.resolve("f"), NOFOLLOW_LINKS)).isTrue();
        assertThat(Files.readString(target.resolve("f"))).isEqualTo("pwned");
    }

    @Test
    void directoryOverSymlinkReplacesTheLink() throws IOException {
        byte[] tar = new TarBuilder().symlink("d", outside.toString()).dir("d", 0700).file("d/x", 0644, "x").tar();
        Map<String, String> before = outsideState();
        applier.apply(new ByteArrayInputStream(tar), null, target, ApplyOptions.OVERLAY);
        assertThat(outsideState()).isEqualTo(before);
        assertThat(Files.isDirectory(target.resolve("d"), NOFOLLOW_LINKS)).isTrue();
        assertThat(outside.resolve("x")).doesNotExist();
    }

    @Test
    void deviceNodeWhenUnprivileged() throws IOException {
        byte[] tar = new TarBuilder().charDevice("dev/mem", 0600, 1, 1).tar();
        assertRefusedAndContained(tar, ApplyOptions.OVERLAY.withUnprivileged(true), "dev/mem");
        assertThat(target.resolve("dev/mem")).doesNotExist();
    }

    @Test
    void whiteoutNamingDotDot() throws IOException {
        assertRefusedAndContained(new TarBuilder().file(".wh...", 0644, "").tar(), ".wh...");
        assertRefusedAndContained(new TarBuilder().dir("a", 0755).file("a/.wh...", 0644, "").tar(), "a/.wh...");
    }

    @Test
    void whiteoutNamingDotDotNativeDeletesNothing() throws IOException {
        Files.createDirectory(target.resolve("a"));
        assertRefusedAndContained(new TarBuilder().file("a/.wh...", 0644, "").tar(), ApplyOptions.NATIVE, "a/.wh...");
        assertThat(target.resolve("a")).isDirectory();
    }

    @Test
    void nativeWhiteoutThroughSymlink() throws IOException {
        byte[] tar = new TarBuilder().symlink("a", outside.toString()).file("a/.wh.secret", 0644, "").tar();
        assertRefusedAndContained(tar, ApplyOptions.NATIVE, "symlink");
        assertThat(outside.resolve("secret")).exists();
    }

    @Test
    void nativeOpaqueThroughSymlink() throws IOException {
        byte[] tar = new TarBuilder().symlink("a", outside.toString()).file("a/.wh..wh..opq", 0644, "").tar();
        assertRefusedAndContained(tar, ApplyOptions.NATIVE, "symlink");
        assertThat(outside.resolve("secret")).exists();
    }

    @Test
    void nativeWhiteoutOfSymlinkRemovesOnlyTheLink() throws IOException {
        Files.createSymbolicLink(target.resolve("l"), outside);
        applier.apply(new ByteArrayInputStream(new TarBuilder().file(".wh.l", 0644, "").tar()), null, target,
                ApplyOptions.NATIVE);
        assertThat(target.resolve("l")).doesNotExist();
        assertThat(outside.resolve("secret")).exists();
    }

    @Test
    void overlayOpaqueThroughSymlink() throws IOException {
        byte[] tar = new TarBuilder().symlink("a", outside.toString()).file("a/.wh..wh..opq", 0644, "").tar();
        assertRefusedAndContained(tar, "symlink");
    }

    @Test
    void symlinkPlantedByALowerLayerIsNotFollowedEither() throws IOException {
        // NATIVE targets hold the parent's files: a symlink there must not redirect this layer's writes
        Files.createSymbolicLink(target.resolve("lib"), outside);
        byte[] tar = new TarBuilder().file("lib/evil.so", 0644, "x").tar();
        assertRefusedAndContained(tar, ApplyOptions.NATIVE, "symlink");
        assertThat(outside.resolve("evil.so")).doesNotExist();
    }

    @Test
    void unsupportedEntryTypeIsRefused() throws IOException {
        var e = new org.apache.commons.compress.archivers.tar.TarArchiveEntry("vol", (byte) 'V', true);
        assertRefusedAndContained(new TarBuilder().put(e, 0644, null).tar(), "unsupported tar entry type");
    }
}
