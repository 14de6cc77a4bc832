package dev.berth.snapshot.overlay;

import dev.berth.core.fs.FileTrees;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.snapshot.Filter;
import dev.berth.core.snapshot.Info;
import dev.berth.core.snapshot.Kind;
import dev.berth.core.mount.Mount;
import dev.berth.core.mount.Mounts;
import dev.berth.core.snapshot.SnapshotLabels;
import dev.berth.core.snapshot.Usage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OverlaySnapshotterTest {
    @TempDir
    Path tmp;
    Path root;
    MountTracker mounts;
    OverlaySnapshotter sn;

    @BeforeEach
    void open() {
        root = tmp.resolve("root");
        mounts = new MountTracker(tmp.resolve("mnt"));
        sn = OverlaySnapshotter.open(root);
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
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", cmd) + ": " + out).isZero();
    }

    @Test
    void firstLayerIsABindMountOfItsOwnDirectory() throws IOException {
        List<Mount> m = sn.prepare("a", null, Map.of());
        assertThat(m).singleElement().satisfies(x -> {
            assertThat(x.type()).isEqualTo("bind");
            assertThat(x.options()).containsExactly("rbind", "rw");
            assertThat(x.source()).isEqualTo(sn.activeDir("a").toString());
        });
        Path target = mounts.mount(m);
        Files.writeString(target.resolve("hello"), "world");
        assertThat(sn.activeDir("a").resolve("hello")).hasContent("world");
        assertThat(sn.mounts("a")).isEqualTo(m);
    }

    @Test
    void prepareCommitViewChainWithRealOverlayMounts() throws Exception {
        layer("l1", null, Map.of("etc/os-release", "bottom", "shared", "from l1"));
        layer("l2", "l1", Map.of("usr/bin/tool", "middle", "shared", "from l2"));

        List<Mount> active = sn.prepare("ctr", "l2", Map.of());
        assertThat(active).singleElement().satisfies(m -> {
            assertThat(m.type()).isEqualTo("overlay");
            assertThat(m.readOnly()).isFalse();
            assertThat(m.baseDir()).isEqualTo(root.resolve("snapshots").toAbsolutePath());
            assertThat(m.options()).anyMatch(o -> o.matches("lowerdir=\\d+/fs:\\d+/fs"));
            assertThat(m.options()).anyMatch(o -> o.matches("upperdir=\\d+/fs"));
            assertThat(m.options()).anyMatch(o -> o.matches("workdir=\\d+/work"));
        });
        Path rootfs = mounts.mount(active);
        assertThat(rootfs.resolve("etc/os-release")).hasContent("bottom");
        assertThat(rootfs.resolve("usr/bin/tool")).hasContent("middle");
        assertThat(rootfs.resolve("shared")).hasContent("from l2");

        // writes land in the active snapshot's own directory, not in the layers below
        Files.writeString(rootfs.resolve("new-file"), "container data");
        Files.writeString(rootfs.resolve("etc/os-release"), "changed");
        Path upper = sn.activeDir("ctr");
        assertThat(upper.resolve("new-file")).hasContent("container data");
        assertThat(upper.resolve("etc/os-release")).hasContent("changed");
        Mounts.unmount(rootfs);
        sn.commit("l3", "ctr", Map.of());

        List<Mount> view = sn.view("v", "l3", Map.of());
        assertThat(view).singleElement().satisfies(m -> {
            assertThat(m.type()).isEqualTo("overlay");
            assertThat(m.readOnly()).isTrue();
            assertThat(m.options()).noneMatch(o -> o.startsWith("upperdir=") || o.startsWith("workdir="));
            assertThat(m.options()).anyMatch(o -> o.matches("lowerdir=\\d+/fs:\\d+/fs:\\d+/fs"));
        });
        Path v = mounts.mount(view);
        assertThat(v.resolve("etc/os-release")).hasContent("changed");
        assertThat(v.resolve("new-file")).hasContent("container data");
        assertThat(v.resolve("usr/bin/tool")).hasContent("middle");
        assertThatThrownBy(() -> Files.writeString(v.resolve("x"), "x")).isInstanceOf(IOException.class);
        // the lower layers themselves are untouched
        assertThat(sn.stat("l3").parent()).isEqualTo("l2");
    }

    @Test
    void viewOfOneLayerIsAReadOnlyBindOfIt() throws IOException {
        layer("l1", null, Map.of("f", "one"));
        List<Mount> view = sn.view("v", "l1", Map.of());
        assertThat(view).singleElement().satisfies(m -> {
            assertThat(m.type()).isEqualTo("bind");
            assertThat(m.options()).containsExactly("rbind", "ro");
        });
        Path v = mounts.mount(view);
        assertThat(v.resolve("f")).hasContent("one");
        assertThatThrownBy(() -> Files.writeString(v.resolve("x"), "x")).isInstanceOf(IOException.class);
        assertThat(sn.stat("v").kind()).isEqualTo(Kind.VIEW);

        List<Mount> empty = sn.view("empty", null, Map.of());
        assertThat(empty).singleElement().satisfies(m -> assertThat(m.options()).containsExactly("rbind", "ro"));
    }

    @Test
    void whiteoutInAnUpperLayerHidesALowerFile() throws Exception {
        layer("l1", null, Map.of("gone", "lower", "kept", "lower"));
        sn.prepare("x", "l1", Map.of());
        run("/usr/bin/mknod", sn.activeDir("x").resolve("gone").toString(), "c", "0", "0");
        sn.commit("l2", "x", Map.of());

        Path v = mounts.mount(sn.view("v", "l2", Map.of()));
        assertThat(v.resolve("gone")).doesNotExist();
        assertThat(v.resolve("kept")).hasContent("lower");
        try (var list = Files.list(v)) {
            assertThat(list.map(p -> p.getFileName().toString())).containsExactly("kept");
        }
    }

    @Test
    void opaqueDirectoryHidesLowerContents() throws IOException {
        layer("l1", null, Map.of("d/old", "lower", "d/sub/deep", "lower", "other", "lower"));
        sn.prepare("x", "l1", Map.of());
        Path d = Files.createDirectories(sn.activeDir("x").resolve("d"));
        Files.writeString(d.resolve("new"), "upper");
        Xattrs.set(d, "trusted.overlay.opaque", "y");
        sn.commit("l2", "x", Map.of());

        Path v = mounts.mount(sn.view("v", "l2", Map.of()));
        try (var list = Files.list(v.resolve("d"))) {
            assertThat(list.map(p -> p.getFileName().toString())).containsExactly("new");
        }
        assertThat(v.resolve("other")).hasContent("lower");
    }

    @Test
    void chainOf120LayersMountsAndShowsBottomAndTop() throws IOException {
        String parent = null;
        for (int i = 0; i < 120; i++) {
            String name = "sha256:layer-" + i;
            layer(name, parent, Map.of("layer-" + i, "content " + i));
            parent = name;
        }
        List<Mount> m = sn.prepare("ctr", parent, Map.of());
        Mount overlay = m.get(0);
        assertThat(overlay.data().length()).isLessThanOrEqualTo(Mounts.MAX_DATA);
        // written out absolutely the options would not fit in a page: the relative form is what makes this work
        assertThat(overlay.resolved().data().length()).isGreaterThan(Mounts.MAX_DATA);

        Path rootfs = mounts.mount(m);
        assertThat(rootfs.resolve("layer-0")).hasContent("content 0");
        assertThat(rootfs.resolve("layer-60")).hasContent("content 60");
        assertThat(rootfs.resolve("layer-119")).hasContent("content 119");
        Files.writeString(rootfs.resolve("written"), "top");
        assertThat(sn.activeDir("ctr").resolve("written")).hasContent("top");

        Path view = mounts.mount(sn.view("v", parent, Map.of()));
        assertThat(view.resolve("layer-0")).hasContent("content 0");
        assertThat(view.resolve("layer-119")).hasContent("content 119");
    }

    @Test
    void removeWithChildrenFailsAndRemovesDirectoriesOtherwise() throws IOException {
        layer("l1", null, Map.of("f", "1"));
        sn.view("v", "l1", Map.of());
        assertKind(() -> sn.remove("l1"), ErrorKind.FAILED_PRECONDITION);
        assertThatThrownBy(() -> sn.remove("l1")).hasMessageContaining("v");

        Path dir = sn.activeDir(prepareAndReturnKey("a", "l1")).getParent();
        assertThat(dir).isDirectory();
        sn.remove("a");
        assertThat(dir).doesNotExist();
        sn.remove("v");
        sn.remove("l1");
        assertKind(() -> sn.stat("l1"), ErrorKind.NOT_FOUND);
        try (var list = Files.list(root.resolve("snapshots"))) {
            assertThat(list).isEmpty();
        }
    }

    private String prepareAndReturnKey(String key, String parent) {
        sn.prepare(key, parent, Map.of());
        return key;
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
        // an active snapshot is no parent
        assertKind(() -> sn.prepare("b", "a", Map.of()), ErrorKind.FAILED_PRECONDITION);
        assertKind(() -> sn.view("b", "v", Map.of()), ErrorKind.FAILED_PRECONDITION);
    }

    @Test
    void unknownKeysAreNotFoundAndBadInputIsInvalid() {
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
        sn.walk(Filter.kind(Kind.ACTIVE, Kind.VIEW), i -> seen.add(i.name()));
        assertThat(seen).containsExactlyInAnyOrder("c", "v");
        seen.clear();
        // the callback may call the snapshotter
        sn.walk(i -> i.kind() == Kind.VIEW, i -> sn.remove(i.name()));
        sn.walk(Filter.all(), i -> seen.add(i.name()));
        assertThat(seen).containsExactlyInAnyOrder("l1", "c");
    }

    @Test
    void commitTakesOnlyTheGivenLabels() {
        sn.prepare("a", null, Map.of("berth.io/snapshot.ref", "l1"));
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
        Usage empty = sn.usage("a");
        assertThat(empty.inodes()).isEqualTo(1); // the directory itself

        Path sub = Files.createDirectory(fs.resolve("sub"));
        Path f = Files.write(sub.resolve("f"), new byte[100_000]);
        Files.createLink(fs.resolve("link-to-f"), f);
        Files.createSymbolicLink(fs.resolve("sym"), Path.of("sub/f"));
        Usage u = sn.usage("a");
        assertThat(u.inodes()).isEqualTo(4); // fs, sub, f (twice linked), sym
        assertThat(u.size()).isBetween(100_000L, 100_000L + 4 * 4096 + 8192);

        sn.commit("l1", "a", Map.of());
        assertThat(sn.usage("l1")).isEqualTo(u);
        sn.view("v", "l1", Map.of());
        assertThat(sn.usage("v").inodes()).isEqualTo(1);
    }

    @Test
    void metadataPersistsAcrossReopenAndIdsAreNotReused() throws IOException {
        layer("l1", null, Map.of("f", "1"));
        layer("l2", "l1", Map.of("g", "2"));
        sn.prepare("c", "l2", Map.of("k", "v"));
        Files.writeString(sn.activeDir("c").resolve("h"), "3");
        sn.prepare("gone", "l2", Map.of());
        Path goneDir = sn.activeDir("gone").getParent();
        sn.remove("gone");
        Info l2 = sn.stat("l2");
        Usage l1Usage = sn.usage("l1");
        sn.close();

        sn = OverlaySnapshotter.open(root);
        assertThat(sn.stat("l2")).isEqualTo(l2);
        assertThat(sn.usage("l1")).isEqualTo(l1Usage);
        assertThat(sn.stat("c").labels()).containsEntry("k", "v");
        assertThat(sn.stat("c").kind()).isEqualTo(Kind.ACTIVE);
        Path rootfs = mounts.mount(sn.mounts("c"));
        assertThat(rootfs.resolve("f")).hasContent("1");
        assertThat(rootfs.resolve("g")).hasContent("2");
        assertThat(rootfs.resolve("h")).hasContent("3");

        sn.prepare("next", null, Map.of());
        assertThat(sn.activeDir("next").getParent().getFileName().toString())
                .isNotEqualTo(goneDir.getFileName().toString());
    }

    @Test
    void crashLeftoversAreCleanedOnReopen() throws IOException {
        layer("l1", null, Map.of("f", "1"));
        sn.prepare("lost", "l1", Map.of());
        sn.prepare("kept", "l1", Map.of());
        sn.prepare("emptied", "l1", Map.of());
        Path lostDir = sn.activeDir("lost").getParent();
        Path emptiedDir = sn.activeDir("emptied").getParent();
        sn.close();

        Path snapshots = root.resolve("snapshots");
        // a create interrupted before its rename, one between rename and record, a remove between record and delete
        Files.createDirectories(snapshots.resolve("new-77/fs/usr"));
        Files.createDirectories(snapshots.resolve("78/fs/etc"));
        Files.writeString(snapshots.resolve("78/fs/etc/passwd"), "x");
        Files.createDirectories(snapshots.resolve("rm-2/fs"));
        // an active snapshot whose directory never reached the disk
        FileTrees.deleteRecursively(lostDir);
        // a remove of an active snapshot killed after freeing its files but before its record went
        FileTrees.deleteRecursively(emptiedDir.resolve("fs"));
        FileTrees.deleteRecursively(emptiedDir.resolve("work"));

        sn = OverlaySnapshotter.open(root);
        assertKind(() -> sn.stat("emptied"), ErrorKind.NOT_FOUND);
        assertThat(emptiedDir).doesNotExist();
        assertThat(snapshots.resolve("new-77")).doesNotExist();
        assertThat(snapshots.resolve("78")).doesNotExist();
        assertThat(snapshots.resolve("rm-2")).doesNotExist();
        assertKind(() -> sn.stat("lost"), ErrorKind.NOT_FOUND);
        assertThat(sn.stat("kept").kind()).isEqualTo(Kind.ACTIVE);
        assertThat(sn.stat("l1").kind()).isEqualTo(Kind.COMMITTED);
        sn.features(); // the probe runs on its own thread: wait for it before looking for its leftovers
        assertThat(root.resolve("probe")).doesNotExist();
        // ids stay above every directory ever seen, so a new snapshot never lands in a stale directory name
        sn.prepare("new", null, Map.of());
        assertThat(Long.parseLong(sn.activeDir("new").getParent().getFileName().toString())).isGreaterThan(78);
    }

    @Test
    void kernelFeaturesDetected() {
        // not in a user namespace here: userxattr must not be used; index=off is supported by any recent kernel
        assertThat(sn.features().userxattr()).isFalse();
        assertThat(sn.features().indexOff()).isTrue();
        assertThat(root.resolve("probe")).doesNotExist();
        assertThat(Mounts.mountPointsUnder(root)).isEmpty();
    }
}
