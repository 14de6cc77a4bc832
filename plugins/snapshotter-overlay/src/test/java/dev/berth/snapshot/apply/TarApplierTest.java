package dev.berth.snapshot.apply;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.content.Digest;
import dev.berth.core.diff.ApplyOptions;
import dev.berth.core.diff.ApplyResult;
import dev.berth.core.diff.LayerMediaTypes;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TarApplierTest {
    private static final int S_IFMT = 0170000;
    private static final int S_IFCHR = 0020000;
    private static final int S_IFIFO = 0010000;
    /** VFS_CAP_REVISION_2 with cap_setuid (bit 7) and cap_net_raw (bit 13) effective+permitted: has a 0x80 byte. */
    private static final byte[] CAPABILITY = {
        0x01, 0x00, 0x00, 0x02, (byte) 0x80, 0x20, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

    @TempDir
    Path dir;

    private final NativeFs fs = new NativeFs();
    private final TarApplier applier = new TarApplier(fs);

    private ApplyResult apply(byte[] layer, String mediaType, ApplyOptions options) {
        return applier.apply(new ByteArrayInputStream(layer), mediaType, dir, options);
    }

    private ApplyResult apply(byte[] tar) {
        return apply(tar, LayerMediaTypes.OCI_TAR, ApplyOptions.OVERLAY);
    }

    private static int mode(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode", NOFOLLOW_LINKS);
    }

    private static Object attr(Path p, String name) throws IOException {
        return Files.getAttribute(p, "unix:" + name, NOFOLLOW_LINKS);
    }

    private static FileTime mtime(Path p) throws IOException {
        return Files.getLastModifiedTime(p, NOFOLLOW_LINKS);
    }

    @Test
    void everyEntryTypeRoundTrips() throws IOException {
        Map<String, byte[]> caps = new LinkedHashMap<>();
        caps.put("security.capability", CAPABILITY);
        byte[] tar = new TarBuilder()
                .dir("etc", 0755)
                .file("etc/hosts", 0640, "127.0.0.1 localhost\n", 1000, 1000)
                .dir("bin", 0755)
                .file("bin/su", 04755, "su")
                .file("bin/sg", 02755, "sg")
                .dir("tmp", 01777)
                .dir("shared", 02775)
                .symlink("etc/link", "hosts")
                .hardlink("etc/hosts2", "etc/hosts")
                .dir("dev", 0755)
                .charDevice("dev/null", 0666, 1, 3)
                .dir("run", 0755)
                .fifo("run/fifo", 0600)
                .fileWithXattr("etc/xattr", "x", "user.foo", "bar")
                .rawXattrs(caps)
                .file("bin/ping", 0755, "ping")
                .tar();

        ApplyResult result = apply(tar);

        assertThat(result.entries()).isEqualTo(15);
        assertThat(result.diffId()).isEqualTo(Digest.sha256(tar));
        Path hosts = dir.resolve("etc/hosts");
        assertThat(Files.readString(hosts)).isEqualTo("127.0.0.1 localhost\n");
        assertThat(mode(hosts) & 07777).isEqualTo(0640);
        assertThat(attr(hosts, "uid")).isEqualTo(1000);
        assertThat(attr(hosts, "gid")).isEqualTo(1000);
        assertThat(mtime(hosts).toInstant()).isEqualTo(TarBuilder.MTIME);
        assertThat(mode(dir.resolve("bin/su")) & 07777).isEqualTo(04755);
        assertThat(mode(dir.resolve("bin/sg")) & 07777).isEqualTo(02755);
        assertThat(mode(dir.resolve("tmp")) & 07777).isEqualTo(01777);
        assertThat(mode(dir.resolve("shared")) & 07777).isEqualTo(02775);
        // directory times are set after their children were written
        assertThat(mtime(dir.resolve("etc")).toInstant()).isEqualTo(TarBuilder.MTIME);
        assertThat(mtime(dir.resolve("dev")).toInstant()).isEqualTo(TarBuilder.MTIME);

        Path link = dir.resolve("etc/link");
        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(Files.readSymbolicLink(link).toString()).isEqualTo("hosts");
        assertThat(mtime(link).toInstant()).isEqualTo(TarBuilder.MTIME);

        Path hosts2 = dir.resolve("etc/hosts2");
        assertThat(attr(hosts2, "ino")).isEqualTo(attr(hosts, "ino"));
        assertThat(attr(hosts, "nlink")).isEqualTo(2);

        Path devNull = dir.resolve("dev/null");
        assertThat(mode(devNull) & S_IFMT).isEqualTo(S_IFCHR);
        assertThat(mode(devNull) & 07777).isEqualTo(0666);
        assertThat(attr(devNull, "rdev")).isEqualTo(NativeFs.makedev(1, 3));

        Path fifo = dir.resolve("run/fifo");
        assertThat(mode(fifo) & S_IFMT).isEqualTo(S_IFIFO);
        assertThat(mode(fifo) & 07777).isEqualTo(0600);

        assertThat(fs.lgetxattr(dir.resolve("etc/xattr"), "user.foo")).isEqualTo("bar".getBytes(StandardCharsets.UTF_8));
        assertThat(fs.lgetxattr(dir.resolve("bin/ping"), "security.capability")).isEqualTo(CAPABILITY);
        assertThat(Files.readString(dir.resolve("bin/ping"))).isEqualTo("ping");
    }

    @Test
    void plainGzipAndZstdGiveTheDiffIdOfThePlainTar(@TempDir Path a, @TempDir Path b, @TempDir Path c) throws IOException {
        byte[] tar = new TarBuilder().dir("d", 0755).file("d/f", 0644, "hello ".repeat(10_000)).tar();
        Digest want = Digest.sha256(tar);
        ApplyResult plain = applier.apply(new ByteArrayInputStream(tar), LayerMediaTypes.OCI_TAR, a, ApplyOptions.OVERLAY);
        ApplyResult gzip = applier.apply(new ByteArrayInputStream(TarBuilder.gzip(tar)), LayerMediaTypes.DOCKER_TAR_GZIP,
                b, ApplyOptions.OVERLAY);
        ApplyResult zstd = applier.apply(new ByteArrayInputStream(TarBuilder.zstd(tar)), LayerMediaTypes.OCI_TAR_ZSTD,
                c, ApplyOptions.OVERLAY);
        for (ApplyResult r : new ApplyResult[] {plain, gzip, zstd}) {
            assertThat(r.diffId()).isEqualTo(want);
            assertThat(r.uncompressedSize()).isEqualTo(tar.length);
            assertThat(r.entries()).isEqualTo(2);
        }
        for (Path root : new Path[] {a, b, c}) {
            assertThat(Files.readString(root.resolve("d/f"))).isEqualTo("hello ".repeat(10_000));
        }
    }

    @Test
    void compressionIsSniffedWhenTheMediaTypeIsGenericOrWrong(@TempDir Path a, @TempDir Path b) {
        byte[] tar = new TarBuilder().file("f", 0644, "x").tar();
        assertThat(applier.apply(new ByteArrayInputStream(TarBuilder.zstd(tar)), null, a, ApplyOptions.OVERLAY).diffId())
                .isEqualTo(Digest.sha256(tar));
        // labelled gzip, stored uncompressed: the bytes win
        assertThat(applier.apply(new ByteArrayInputStream(tar), LayerMediaTypes.OCI_TAR_GZIP, b, ApplyOptions.OVERLAY)
                .diffId()).isEqualTo(Digest.sha256(tar));
    }

    @Test
    void unsupportedMediaTypeIsInvalidArgumentNamingIt() {
        byte[] tar = new TarBuilder().file("f", 0644, "x").tar();
        String type = "application/vnd.oci.image.config.v1+json";
        assertThatThrownBy(() -> apply(tar, type, ApplyOptions.OVERLAY))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
                .hasMessageContaining(type);
    }

    @Test
    void truncatedGzipFails() {
        byte[] tar = new TarBuilder().file("f", 0644, "some content ".repeat(5000)).tar();
        byte[] gz = TarBuilder.gzip(tar);
        byte[] cut = Arrays.copyOf(gz, gz.length / 2);
        assertThatThrownBy(() -> apply(cut, LayerMediaTypes.OCI_TAR_GZIP, ApplyOptions.OVERLAY))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
                .hasMessageContaining("corrupt or truncated");
    }

    @Test
    void gzipMissingOnlyItsTrailerFails() {
        // the tar inside is complete; only draining to the end notices the missing CRC
        byte[] gz = TarBuilder.gzip(new TarBuilder().file("f", 0644, "x").tar());
        byte[] cut = Arrays.copyOf(gz, gz.length - 4);
        assertThatThrownBy(() -> apply(cut, LayerMediaTypes.OCI_TAR_GZIP, ApplyOptions.OVERLAY))
                .isInstanceOf(BerthException.class);
    }

    @Test
    void truncatedZstdFails() {
        byte[] tar = new TarBuilder().file("f", 0644, "some content ".repeat(5000)).tar();
        byte[] z = TarBuilder.zstd(tar);
        byte[] cut = Arrays.copyOf(z, z.length / 2);
        assertThatThrownBy(() -> apply(cut, LayerMediaTypes.OCI_TAR_ZSTD, ApplyOptions.OVERLAY))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT));
    }

    @Test
    void truncatedPlainTarFails() {
        byte[] tar = new TarBuilder().file("f", 0644, "some content ".repeat(5000)).tar();
        byte[] cut = Arrays.copyOf(tar, 4096);
        assertThatThrownBy(() -> apply(cut, LayerMediaTypes.OCI_TAR, ApplyOptions.OVERLAY))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT));
    }

    @Test
    void sourceReadErrorIsNotReportedAsACorruptLayer() {
        InputStream failing = new InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("disk on fire");
            }
        };
        assertThatThrownBy(() -> applier.apply(failing, LayerMediaTypes.OCI_TAR, dir, ApplyOptions.OVERLAY))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INTERNAL))
                .hasMessageContaining("disk on fire");
    }

    @Test
    void overlayWhiteoutBecomesCharDevice00() throws IOException {
        byte[] tar = new TarBuilder().dir("etc", 0755).file("etc/.wh.foo", 0644, "").tar();
        ApplyResult r = apply(tar);
        Path foo = dir.resolve("etc/foo");
        assertThat(mode(foo) & S_IFMT).isEqualTo(S_IFCHR);
        assertThat(attr(foo, "rdev")).isEqualTo(0L);
        assertThat(Files.exists(dir.resolve("etc/.wh.foo"), NOFOLLOW_LINKS)).isFalse();
        assertThat(r.entries()).isEqualTo(2);
    }

    @Test
    void overlayOpaqueDirectoryGetsTrustedXattr() throws IOException {
        byte[] tar = new TarBuilder().dir("var", 0755).file("var/.wh..wh..opq", 0644, "").file("var/new", 0644, "n").tar();
        apply(tar);
        assertThat(fs.lgetxattr(dir.resolve("var"), "trusted.overlay.opaque")).isEqualTo(new byte[] {'y'});
        assertThat(Files.exists(dir.resolve("var/.wh..wh..opq"), NOFOLLOW_LINKS)).isFalse();
        assertThat(Files.readString(dir.resolve("var/new"))).isEqualTo("n");
    }

    @Test
    void opaqueWithUserXattrOption() throws IOException {
        byte[] tar = new TarBuilder().file("var/.wh..wh..opq", 0644, "").tar();
        apply(tar, LayerMediaTypes.OCI_TAR, ApplyOptions.OVERLAY.withUserXattr(true));
        assertThat(fs.lgetxattr(dir.resolve("var"), "user.overlay.opaque")).isEqualTo(new byte[] {'y'});
        assertThat(fs.lgetxattr(dir.resolve("var"), "trusted.overlay.opaque")).isNull();
    }

    @Test
    void directoryRecreatedAfterItsWhiteoutIsOpaque() throws IOException {
        byte[] tar = new TarBuilder().file(".wh.cache", 0644, "").dir("cache", 0700).file("cache/x", 0644, "x").tar();
        apply(tar);
        assertThat(Files.isDirectory(dir.resolve("cache"), NOFOLLOW_LINKS)).isTrue();
        assertThat(fs.lgetxattr(dir.resolve("cache"), "trusted.overlay.opaque")).isEqualTo(new byte[] {'y'});
        assertThat(mode(dir.resolve("cache")) & 07777).isEqualTo(0700);
    }

    @Test
    void whiteoutDoesNotHideThisLayersOwnFile() throws IOException {
        byte[] tar = new TarBuilder().file("keep", 0644, "mine").file(".wh.keep", 0644, "").tar();
        apply(tar);
        assertThat(Files.readString(dir.resolve("keep"))).isEqualTo("mine");
    }

    @Test
    void laterEntryReplacesFileWithDirectoryAndDirectoryWithFile() throws IOException {
        byte[] tar = new TarBuilder()
                .file("a", 0644, "file a")
                .dir("a", 0750)
                .file("a/inside", 0644, "i")
                .dir("b", 0755)
                .file("b/child", 0644, "c")
                .file("b", 0600, "file b")
                .dir("m", 0755)
                .file("m/one", 0644, "1")
                .dir("m", 0711) // a directory over a directory merges
                .file("m/two", 0644, "2")
                .tar();
        apply(tar);
        assertThat(Files.isDirectory(dir.resolve("a"), NOFOLLOW_LINKS)).isTrue();
        assertThat(mode(dir.resolve("a")) & 07777).isEqualTo(0750);
        assertThat(Files.readString(dir.resolve("a/inside"))).isEqualTo("i");
        assertThat(Files.isRegularFile(dir.resolve("b"), NOFOLLOW_LINKS)).isTrue();
        assertThat(Files.readString(dir.resolve("b"))).isEqualTo("file b");
        assertThat(mode(dir.resolve("b")) & 07777).isEqualTo(0600);
        assertThat(Files.readString(dir.resolve("m/one"))).isEqualTo("1");
        assertThat(Files.readString(dir.resolve("m/two"))).isEqualTo("2");
        assertThat(mode(dir.resolve("m")) & 07777).isEqualTo(0711);
    }

    @Test
    void nativeWhiteoutsDeleteLowerFilesOnly() throws IOException {
        // the parent layer's files, as a plain-directory snapshotter would have copied them
        Files.createDirectories(dir.resolve("etc/sub"));
        Files.writeString(dir.resolve("etc/old"), "lower");
        Files.writeString(dir.resolve("etc/sub/deep"), "lower");
        Files.createDirectories(dir.resolve("var/lib"));
        Files.writeString(dir.resolve("var/lib/lower"), "lower");
        Files.writeString(dir.resolve("var/lower"), "lower");
        Files.writeString(dir.resolve("gone"), "lower");

        byte[] tar = new TarBuilder()
                .file(".wh.gone", 0644, "")
                .file("etc/.wh.sub", 0644, "")
                .dir("var", 0755)
                .dir("var/lib", 0755)
                .file("var/lib/new", 0644, "new")
                .file("var/.wh..wh..opq", 0644, "")
                .file("var/after", 0644, "after")
                .tar();
        apply(tar, LayerMediaTypes.OCI_TAR, ApplyOptions.NATIVE);

        assertThat(dir.resolve("gone")).doesNotExist();
        assertThat(dir.resolve("etc/sub")).doesNotExist();
        assertThat(Files.readString(dir.resolve("etc/old"))).isEqualTo("lower");
        assertThat(dir.resolve("var/lower")).doesNotExist();
        assertThat(dir.resolve("var/lib/lower")).doesNotExist();
        assertThat(Files.readString(dir.resolve("var/lib/new"))).isEqualTo("new");
        assertThat(Files.readString(dir.resolve("var/after"))).isEqualTo("after");
        assertThat(Files.list(dir).map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("etc", "var");
    }

    @Test
    void overlayPrivateXattrsFromTheLayerAreDropped() throws IOException {
        Map<String, byte[]> x = new LinkedHashMap<>();
        x.put("trusted.overlay.redirect", "/etc".getBytes(StandardCharsets.UTF_8));
        x.put("user.keep", "yes".getBytes(StandardCharsets.UTF_8));
        byte[] tar = new TarBuilder().rawXattrs(x).dir("d", 0755).tar();
        apply(tar);
        assertThat(fs.lgetxattr(dir.resolve("d"), "trusted.overlay.redirect")).isNull();
        assertThat(fs.lgetxattr(dir.resolve("d"), "user.keep")).isEqualTo("yes".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void longAndNonAsciiNamesAndRootEntry() throws IOException {
        String longName = "deep/" + "x".repeat(120) + "/" + "y".repeat(150);
        byte[] tar = new TarBuilder()
                .dir("./", 0755)
                .file(longName, 0644, "long")
                .file("./ünïcødé-名前", 0644, "u")
                .symlink("sl", "a//b/")
                .tar();
        ApplyResult r = apply(tar);
        assertThat(r.entries()).isEqualTo(4);
        assertThat(Files.readString(dir.resolve(longName))).isEqualTo("long");
        assertThat(Files.readString(dir.resolve("ünïcødé-名前"))).isEqualTo("u");
        assertThat(fs.lgetxattr(dir, "trusted.overlay.opaque")).isNull();
        assertThat(mtime(dir).toInstant()).isEqualTo(TarBuilder.MTIME);
        // the symlink target is written byte for byte (the JDK would normalise it); read it with readlink(1)
        Process readlink = new ProcessBuilder("readlink", dir.resolve("sl").toString()).start();
        assertThat(new String(readlink.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("a//b/\n");
    }

    @Test
    void uidOffsetsAreAdded() throws IOException {
        byte[] tar = new TarBuilder().file("f", 0644, "x", 1000, 1001).tar();
        apply(tar, LayerMediaTypes.OCI_TAR, ApplyOptions.OVERLAY.withIdOffsets(100_000, 200_000));
        assertThat(attr(dir.resolve("f"), "uid")).isEqualTo(101_000);
        assertThat(attr(dir.resolve("f"), "gid")).isEqualTo(201_001);
    }

    @Test
    void readAheadThreadIsGoneAfterAFailedApply() {
        TarBuilder b = new TarBuilder().file("../escape", 0644, "x");
        byte[] big = new byte[1 << 20];
        new java.util.Random(1).nextBytes(big);
        for (int i = 0; i < 8; i++) {
            b.file("f" + i, 0644, big);
        }
        byte[] layer = TarBuilder.gzip(b.tar());
        assertThatThrownBy(() -> apply(layer, LayerMediaTypes.OCI_TAR_GZIP, ApplyOptions.OVERLAY))
                .isInstanceOf(BerthException.class);
        assertThat(Thread.getAllStackTraces().keySet())
                .noneMatch(t -> t.getName().equals("berth-layer-read") && t.isAlive());
    }

    @Test
    void multiMegabyteFilesSpanManyChunks() throws IOException {
        byte[] big = new byte[3 * TarApplier.BUFFER_SIZE + 12345];
        new java.util.Random(2).nextBytes(big);
        byte[] tar = new TarBuilder().file("big", 0600, big).file("after", 0644, "a").tar();
        ApplyResult r = apply(TarBuilder.zstd(tar), LayerMediaTypes.OCI_TAR_ZSTD, ApplyOptions.OVERLAY);
        assertThat(Files.readAllBytes(dir.resolve("big"))).isEqualTo(big);
        assertThat(Files.readString(dir.resolve("after"))).isEqualTo("a");
        assertThat(r.diffId()).isEqualTo(Digest.sha256(tar));
    }

    @Test
    void pluginRegistersDiffTar() {
        var regs = new ApplierPlugin().registrations();
        assertThat(regs).hasSize(1);
        assertThat(regs.get(0).fullName()).isEqualTo("io.berth.diff.v1.tar");
    }
}
