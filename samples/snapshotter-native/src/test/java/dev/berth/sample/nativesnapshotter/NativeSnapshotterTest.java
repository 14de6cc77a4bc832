package dev.berth.sample.nativesnapshotter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.mount.Mount;
import dev.berth.core.mount.Mounts;
import dev.berth.core.snapshot.Filter;
import dev.berth.core.snapshot.Info;
import dev.berth.core.snapshot.Kind;
import dev.berth.core.snapshot.SnapshotLabels;
import dev.berth.core.snapshot.Usage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The snapshotter contract (as OverlaySnapshotterTest checks it for overlayfs) on real copies and bind mounts. */
class NativeSnapshotterTest {
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

    @TempDir
    Path tmp;
    Path root;
    MountTracker mounts;
    NativeSnapshotter sn;

    @BeforeEach
    void open() {
        root = tmp.resolve("root");
        mounts = new MountTracker(tmp.resolve("mnt"));
        sn = NativeSnapshotter.open(root, "auto");
    }

    @AfterEach
    void cleanUp() {
        try {
            mounts.unmountAll();
        } finally {
            sn.close();
        }
    }

    /** Prepares {@code key} on {@code parent}, writes {@code files} into it directly and commits it as {@code name}. */
    private void layer(String name, String parent, Map<String, String> files) throws IOException {
        String key = "extract-" + name;
        sn.prepare(key, parent, Map.of());
        Path dir = sn.activeDir(key);
        for (Map.Entry<String, String> f : files.entrySet()) {
            Path p = dir.resolve(f.getKey());
            Files.createDirectories(p.getParent());
            Files.writeString(p, f.getValue());
        }
        sn.commit(name, key, Map.of());
    }

    private static void assertKind(ThrowingCallable call, ErrorKind kind) {
        assertThatThrownBy(call).isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(kind));
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", cmd) + ": " + out).isZero();
    }

    private List<String> snapshotDirs() throws IOException {
        try (var list = Files.list(root.resolve("snapshots"))) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void snapshotWithoutParentIsAnEmptyTreeBoundReadWrite() throws IOException {
        List<Mount> m = sn.prepare("a", null, Map.of());
        assertThat(m).singleElement().satisfies(x -> {
            assertThat(x.type()).isEqualTo("bind");
            assertThat(x.options()).containsExactly("rbind", "rw");
            assertThat(x.source()).isEqualTo(sn.activeDir("a").toString());
        });
        assertThat(Files.getPosixFilePermissions(sn.activeDir("a"))).isEqualTo(PosixFilePermissions.fromString("rwxr-xr-x"));
        try (var list = Files.list(sn.activeDir("a"))) {
            assertThat(list).isEmpty();
        }
        Path target = mounts.mount(m);
        Files.writeString(target.resolve("hello"), "world");
        assertThat(sn.activeDir("a").resolve("hello")).hasContent("world");
        assertThat(sn.mounts("a")).isEqualTo(m);
    }

    @Test
    void childIsACopyOfItsParentAndWritesStayInTheChild() throws Exception {
        layer("l1", null, Map.of("etc/os-release", "bottom", "shared", "from l1"));
        layer("l2", "l1", Map.of("usr/bin/tool", "middle", "shared", "from l2"));

        List<Mount> active = sn.prepare("ctr", "l2", Map.of());
        Path rootfs = mounts.mount(active);
        assertThat(rootfs.resolve("etc/os-release")).hasContent("bottom");
        assertThat(rootfs.resolve("usr/bin/tool")).hasContent("middle");
        assertThat(rootfs.resolve("shared")).hasContent("from l2");
        Files.writeString(rootfs.resolve("new-file"), "container data");
        Files.writeString(rootfs.resolve("etc/os-release"), "changed");
        Files.delete(rootfs.resolve("shared"));
        assertThat(sn.activeDir("ctr").resolve("new-file")).hasContent("container data");
        Mounts.unmount(rootfs);
        sn.commit("l3", "ctr", Map.of());

        List<Mount> view = sn.view("v", "l3", Map.of());
        assertThat(view).singleElement().satisfies(m -> {
            assertThat(m.type()).isEqualTo("bind");
            assertThat(m.options()).containsExactly("rbind", "ro");
            assertThat(m.readOnly()).isTrue();
        });
        Path v = mounts.mount(view);
        assertThat(v.resolve("etc/os-release")).hasContent("changed");
        assertThat(v.resolve("new-file")).hasContent("container data");
        assertThat(v.resolve("shared")).doesNotExist();
        assertThatThrownBy(() -> Files.writeString(v.resolve("x"), "x")).isInstanceOf(IOException.class);
        assertThat(sn.stat("v").kind()).isEqualTo(Kind.VIEW);
        assertThat(sn.stat("l3").parent()).isEqualTo("l2");

        // the parents are untouched
        Path l2 = mounts.mount(sn.view("v2", "l2", Map.of()));
        assertThat(l2.resolve("etc/os-release")).hasContent("bottom");
        assertThat(l2.resolve("shared")).hasContent("from l2");
        assertThat(l2.resolve("new-file")).doesNotExist();
    }

    @Test
    void copyKeepsModesOwnersTimesLinksXattrsAndDeviceNodes() throws Exception {
        sn.prepare("a", null, Map.of());
        Path fs = sn.activeDir("a");
        Path bin = Files.createDirectories(fs.resolve("usr/bin"));
        Path tool = Files.writeString(bin.resolve("tool"), "#!/bin/sh\n");
        Files.setAttribute(tool, "unix:uid", 1234, NOFOLLOW);
        Files.setAttribute(tool, "unix:gid", 5678, NOFOLLOW);
        run("chmod", "4750", tool.toString()); // after chown, which clears set-id bits
        Files.setLastModifiedTime(tool, FileTime.fromMillis(1_000_000_000_000L));
        Files.createLink(bin.resolve("tool-link"), tool);
        Path sym = Files.createSymbolicLink(bin.resolve("sym"), Path.of("tool"));
        run("chown", "-h", "42:43", sym.toString());
        Path tmpDir = Files.createDirectories(fs.resolve("tmp"));
        run("chmod", "1777", tmpDir.toString());
        Files.createDirectories(fs.resolve("dev"));
        run("mknod", fs.resolve("dev/null").toString(), "c", "1", "3");
        run("mkfifo", fs.resolve("fifo").toString());
        UserDefinedFileAttributeView xattrs = Files.getFileAttributeView(tool, UserDefinedFileAttributeView.class);
        xattrs.write("berth.test", ByteBuffer.wrap("kept".getBytes(StandardCharsets.UTF_8)));
        sn.commit("l1", "a", Map.of());

        sn.prepare("b", "l1", Map.of());
        Path copy = sn.activeDir("b");
        Path tool2 = copy.resolve("usr/bin/tool");
        assertThat(tool2).hasContent("#!/bin/sh");
        assertThat(Files.getAttribute(tool2, "unix:mode")).isEqualTo(0104750);
        assertThat(Files.getAttribute(tool2, "unix:uid")).isEqualTo(1234);
        assertThat(Files.getAttribute(tool2, "unix:gid")).isEqualTo(5678);
        assertThat(Files.getLastModifiedTime(tool2)).isEqualTo(FileTime.fromMillis(1_000_000_000_000L));
        assertThat(Files.getAttribute(copy.resolve("usr/bin/tool-link"), "unix:ino")).isEqualTo(Files.getAttribute(tool2, "unix:ino"));
        assertThat(Files.getAttribute(tool2, "unix:ino")).isNotEqualTo(Files.getAttribute(tool, "unix:ino"));
        Path sym2 = copy.resolve("usr/bin/sym");
        assertThat(Files.isSymbolicLink(sym2)).isTrue();
        assertThat(Files.readSymbolicLink(sym2)).isEqualTo(Path.of("tool"));
        assertThat(Files.getAttribute(sym2, "unix:uid", NOFOLLOW)).isEqualTo(42);
        assertThat(Files.getAttribute(sym2, "unix:gid", NOFOLLOW)).isEqualTo(43);
        assertThat(Files.getAttribute(copy.resolve("tmp"), "unix:mode")).isEqualTo(041777);
        Path dev = copy.resolve("dev/null");
        assertThat(Files.isRegularFile(dev, NOFOLLOW) || Files.isDirectory(dev, NOFOLLOW)).isFalse();
        assertThat(Files.getAttribute(dev, "unix:mode", NOFOLLOW)).isEqualTo(Files.getAttribute(fs.resolve("dev/null"), "unix:mode", NOFOLLOW));
        assertThat(Files.getAttribute(dev, "unix:rdev", NOFOLLOW)).isEqualTo(Files.getAttribute(fs.resolve("dev/null"), "unix:rdev", NOFOLLOW));
        assertThat(Files.getAttribute(copy.resolve("fifo"), "unix:mode", NOFOLLOW)).isEqualTo(Files.getAttribute(fs.resolve("fifo"), "unix:mode", NOFOLLOW));
        UserDefinedFileAttributeView copied = Files.getFileAttributeView(tool2, UserDefinedFileAttributeView.class);
        ByteBuffer b = ByteBuffer.allocate(16);
        copied.read("berth.test", b);
        assertThat(new String(b.array(), 0, b.position(), StandardCharsets.UTF_8)).isEqualTo("kept");
    }

    @Test
    void removeWithChildrenFailsAndRemovesDirectoriesOtherwise() throws IOException {
        layer("l1", null, Map.of("f", "1"));
        sn.view("v", "l1", Map.of());
        assertKind(() -> sn.remove("l1"), ErrorKind.FAILED_PRECONDITION);
        assertThatThrownBy(() -> sn.remove("l1")).hasMessageContaining("v");

        sn.prepare("a", "l1", Map.of());
        Path dir = sn.activeDir("a").getParent();
        assertThat(dir).isDirectory();
        sn.remove("a");
        assertThat(dir).doesNotExist();
        sn.remove("v");
        sn.remove("l1");
        assertKind(() -> sn.stat("l1"), ErrorKind.NOT_FOUND);
        assertThat(snapshotDirs()).isEmpty();
    }

    @Test
    void commitOfANonActiveSnapshotFails() throws IOException {
        layer("l1", null, Map.of());
        sn.view("v", "l1", Map.of());
        assertKind(() -> sn.commit("c", "v", Map.of()), ErrorKind.FAILED_PRECONDITION);
        assertKind(() -> sn.commit("c", "l1", Map.of()), ErrorKind.FAILED_PRECONDITION);
        assertKind(() -> sn.activeDir("v"), ErrorKind.FAILED_PRECONDITION);
        assertKind(() -> sn.activeDir("l1"), ErrorKind.FAILED_PRECONDITION);
        assertKind(() -> sn.mounts("l1"), ErrorKind.FAILED_PRECONDITION);

        sn.prepare("a", "l1", Map.of());
        assertKind(() -> sn.commit("l1", "a", Map.of()), ErrorKind.ALREADY_EXISTS);
        assertThat(sn.stat("a").kind()).isEqualTo(Kind.ACTIVE);
        // neither an active snapshot nor a view can be a parent
        assertKind(() -> sn.prepare("b", "a", Map.of()), ErrorKind.FAILED_PRECONDITION);
        assertKind(() -> sn.view("b", "v", Map.of()), ErrorKind.FAILED_PRECONDITION);
    }

    @Test
    void unknownKeysAreNotFoundAndBadInputIsInvalid() throws IOException {
        assertKind(() -> sn.stat("nope"), ErrorKind.NOT_FOUND);
        assertKind(() -> sn.mounts("nope"), ErrorKind.NOT_FOUND);
        assertKind(() -> sn.remove("nope"), ErrorKind.NOT_FOUND);
        assertKind(() -> sn.usage("nope"), ErrorKind.NOT_FOUND);
        assertKind(() -> sn.activeDir("nope"), ErrorKind.NOT_FOUND);
        assertKind(() -> sn.commit("c", "nope", Map.of()), ErrorKind.NOT_FOUND);
        assertKind(() -> sn.updateLabels("nope", Map.of()), ErrorKind.NOT_FOUND);
        assertKind(() -> sn.prepare("a", "nope", Map.of()), ErrorKind.NOT_FOUND);
        assertKind(() -> sn.view("a", "nope", Map.of()), ErrorKind.NOT_FOUND);

        assertKind(() -> sn.prepare("", null, Map.of()), ErrorKind.INVALID_ARGUMENT);
        assertKind(() -> sn.prepare(null, null, Map.of()), ErrorKind.INVALID_ARGUMENT);
        assertKind(() -> sn.prepare("a\0b", null, Map.of()), ErrorKind.INVALID_ARGUMENT);
        assertKind(() -> sn.prepare("a", null, Map.of("", "v")), ErrorKind.INVALID_ARGUMENT);
        assertKind(() -> sn.prepare("a", null, Map.of("k", "v".repeat(5000))), ErrorKind.INVALID_ARGUMENT);
        sn.prepare("a", null, Map.of());
        assertKind(() -> sn.prepare("a", null, Map.of()), ErrorKind.ALREADY_EXISTS);
        assertKind(() -> sn.view("a", null, Map.of()), ErrorKind.ALREADY_EXISTS);
        assertKind(() -> sn.commit("", "a", Map.of()), ErrorKind.INVALID_ARGUMENT);
        // failed calls left nothing behind
        List<String> names = new ArrayList<>();
        sn.walk(Filter.all(), i -> names.add(i.name()));
        assertThat(names).containsExactly("a");
        assertThat(snapshotDirs()).hasSize(1);
    }

    @Test
    void failedCopyLeavesNothingBehind() throws IOException {
        layer("l1", null, Map.of("f", "some data"));
        sn.close();
        // ext4 and tmpfs cannot clone files: cp --reflink=always fails on the regular file
        sn = NativeSnapshotter.open(root, "always");
        assertThatThrownBy(() -> sn.prepare("a", "l1", Map.of()))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INTERNAL))
                .hasMessageContaining("cp ");
        assertKind(() -> sn.stat("a"), ErrorKind.NOT_FOUND);
        assertThat(snapshotDirs()).hasSize(1);
        sn.close();
        sn = NativeSnapshotter.open(root, "auto");
        sn.prepare("a", "l1", Map.of());
        assertThat(sn.activeDir("a").resolve("f")).hasContent("some data");
    }

    @Test
    void keysWithSlashesAndOddCharactersWork() throws IOException {
        String key = "default/12/extract-123 sha256:abc=\u00e9";
        sn.prepare(key, null, Map.of("odd key = x", "line\nbreak"));
        sn.commit("sha256:top", key, Map.of("k", "v\u00e9"));
        sn.close();
        sn = NativeSnapshotter.open(root, "auto");
        assertThat(sn.stat("sha256:top").labels()).containsExactlyEntriesOf(Map.of("k", "v\u00e9"));
        sn.prepare(key, "sha256:top", Map.of("odd key = x", "line\nbreak"));
        sn.close();
        sn = NativeSnapshotter.open(root, "auto");
        assertThat(sn.stat(key).labels()).containsExactlyEntriesOf(Map.of("odd key = x", "line\nbreak"));
        assertThat(sn.stat(key).parent()).isEqualTo("sha256:top");
    }

    @Test
    void labelsUpdateAndWalkFilters() throws IOException {
        layer("l1", null, Map.of());
        sn.updateLabels("l1", Map.of(SnapshotLabels.GC_ROOT, "2024-01-01T00:00:00Z", "a", "1"));
        sn.prepare("c", "l1", Map.of("a", "2"));
        sn.view("v", "l1", Map.of("a", "1"));

        Info before = sn.stat("c");
        Info after = sn.update(new Info("c", null, Kind.ACTIVE, Map.of("b", "x"), before.created(), before.updated()),
                "labels.b");
        assertThat(after.labels()).containsExactlyInAnyOrderEntriesOf(Map.of("a", "2", "b", "x"));
        assertThat(after.updated()).isAfterOrEqualTo(before.updated());
        after = sn.update(after.withLabels(Map.of("b", "x")), "labels.a");
        assertThat(after.labels()).containsExactlyEntriesOf(Map.of("b", "x"));
        assertKind(() -> sn.update(sn.stat("c"), "parent"), ErrorKind.INVALID_ARGUMENT);
        assertThat(sn.stat("c").parent()).isEqualTo("l1");

        List<String> seen = new ArrayList<>();
        sn.walk(Filter.label("a", "1"), i -> seen.add(i.name()));
        assertThat(seen).containsExactlyInAnyOrder("l1", "v");
        seen.clear();
        sn.walk(Filter.hasLabel(SnapshotLabels.GC_ROOT).and(Filter.kind(Kind.COMMITTED)), i -> seen.add(i.name()));
        assertThat(seen).containsExactly("l1");
        seen.clear();
        // the callback may call the snapshotter
        sn.walk(i -> i.kind() == Kind.VIEW, i -> sn.remove(i.name()));
        sn.walk(Filter.all(), i -> seen.add(i.name()));
        assertThat(seen).containsExactlyInAnyOrder("l1", "c");
    }

    @Test
    void commitTakesOnlyTheGivenLabels() {
        sn.prepare("a", null, Map.of(SnapshotLabels.TARGET_REF, "l1"));
        sn.commit("l1", "a", Map.of("x", "y"));
        Info i = sn.stat("l1");
        assertThat(i.kind()).isEqualTo(Kind.COMMITTED);
        assertThat(i.parent()).isNull();
        assertThat(i.labels()).containsExactlyEntriesOf(Map.of("x", "y"));
        assertKind(() -> sn.stat("a"), ErrorKind.NOT_FOUND);
    }

    @Test
    void usageCountsBlocksAndInodesWithHardLinksOnce() throws IOException {
        sn.prepare("a", null, Map.of());
        Path fs = sn.activeDir("a");
        assertThat(sn.usage("a").inodes()).isEqualTo(1); // the directory itself

        Path sub = Files.createDirectory(fs.resolve("sub"));
        Path f = Files.write(sub.resolve("f"), new byte[100_000]);
        Files.createLink(fs.resolve("link-to-f"), f);
        Files.createSymbolicLink(fs.resolve("sym"), Path.of("sub/f"));
        Usage u = sn.usage("a");
        assertThat(u.inodes()).isEqualTo(4); // fs, sub, f (twice linked), sym
        assertThat(u.size()).isBetween(100_000L, 100_000L + 4 * 4096 + 8192);

        sn.commit("l1", "a", Map.of());
        assertThat(sn.usage("l1")).isEqualTo(u);
        // a view is a whole copy: it uses as much again
        sn.view("v", "l1", Map.of());
        assertThat(sn.usage("v").inodes()).isEqualTo(4);
    }

    @Test
    void recordsPersistAcrossReopen() throws IOException {
        layer("l1", null, Map.of("f", "1"));
        layer("l2", "l1", Map.of("g", "2"));
        sn.prepare("c", "l2", Map.of("k", "v"));
        Files.writeString(sn.activeDir("c").resolve("h"), "3");
        Info l2 = sn.stat("l2");
        Usage l1Usage = sn.usage("l1");
        sn.close();
        assertKind(() -> sn.stat("l2"), ErrorKind.UNAVAILABLE);

        sn = NativeSnapshotter.open(root, "auto");
        assertThat(sn.stat("l2")).isEqualTo(l2);
        assertThat(sn.usage("l1")).isEqualTo(l1Usage);
        assertThat(sn.stat("c").labels()).containsEntry("k", "v");
        assertThat(sn.stat("c").kind()).isEqualTo(Kind.ACTIVE);
        Path rootfs = mounts.mount(sn.mounts("c"));
        assertThat(rootfs.resolve("f")).hasContent("1");
        assertThat(rootfs.resolve("g")).hasContent("2");
        assertThat(rootfs.resolve("h")).hasContent("3");
    }

    @Test
    void crashLeftoversAreCleanedOnReopen() throws IOException {
        layer("l1", null, Map.of("f", "1"));
        sn.prepare("kept", "l1", Map.of());
        sn.close();

        Path snapshots = root.resolve("snapshots");
        // a create interrupted before its rename, a remove between rename and delete, a record never written
        Files.createDirectories(snapshots.resolve("new-77/fs/usr"));
        Files.createDirectories(snapshots.resolve("rm-2/fs"));
        Files.createDirectories(snapshots.resolve("78/fs/etc"));

        sn = NativeSnapshotter.open(root, "auto");
        assertThat(snapshots.resolve("new-77")).doesNotExist();
        assertThat(snapshots.resolve("rm-2")).doesNotExist();
        assertThat(snapshots.resolve("78")).as("a directory without a record is left to the operator").isDirectory();
        assertThat(sn.stat("kept").kind()).isEqualTo(Kind.ACTIVE);
        assertThat(sn.stat("l1").kind()).isEqualTo(Kind.COMMITTED);
        List<String> names = new ArrayList<>();
        sn.walk(Filter.all(), i -> names.add(i.name()));
        assertThat(names).containsExactlyInAnyOrder("l1", "kept");
        // ids stay above every directory seen, so a new snapshot never lands in a stale directory name
        sn.prepare("new", null, Map.of());
        assertThat(Long.parseLong(sn.activeDir("new").getParent().getFileName().toString())).isGreaterThan(78);
    }
}
