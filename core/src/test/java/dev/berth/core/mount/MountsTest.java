package dev.berth.core.mount;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the real mount(8); needs root, as the daemon does. */
class MountsTest {
    @TempDir
    Path tmp;

    @AfterEach
    void unmountEverything() {
        for (Path m : Mounts.mountPointsUnder(tmp)) {
            Mounts.unmountAll(m);
        }
        assertThat(Mounts.mountPointsUnder(tmp)).isEmpty();
    }

    @Test
    void bindMountsStackAndUnmountAll() throws Exception {
        Path a = Files.createDirectories(tmp.resolve("a"));
        Path b = Files.createDirectories(tmp.resolve("b"));
        Files.writeString(a.resolve("fa"), "a");
        Files.writeString(b.resolve("fb"), "b");
        Path target = Files.createDirectories(tmp.resolve("dir with space"));
        Mounts.mount(List.of(new Mount("bind", a.toString(), List.of("rbind", "ro")),
                new Mount("bind", b.toString(), List.of("rbind", "rw"))), target);
        assertThat(Mounts.isMountPoint(target)).isTrue();
        assertThat(target.resolve("fb")).hasContent("b");
        Mounts.unmount(target);
        assertThat(target.resolve("fa")).hasContent("a");
        assertThatThrownBy(() -> Files.writeString(target.resolve("x"), "x")).isInstanceOf(java.io.IOException.class);
        Mounts.unmountAll(target);
        assertThat(Mounts.isMountPoint(target)).isFalse();
    }

    @Test
    void relativeOverlayPathsResolveAgainstBaseDir() throws Exception {
        for (String d : List.of("l1", "l2", "u", "w", "m")) {
            Files.createDirectories(tmp.resolve(d));
        }
        Files.writeString(tmp.resolve("l1/bottom"), "1");
        Files.writeString(tmp.resolve("l2/top"), "2");
        Path m = tmp.resolve("m");
        Mounts.mount(List.of(new Mount("overlay", "overlay", List.of("workdir=w", "upperdir=u", "lowerdir=l2:l1"),
                tmp.toAbsolutePath())), m);
        assertThat(m.resolve("bottom")).hasContent("1");
        assertThat(m.resolve("top")).hasContent("2");
        Files.writeString(m.resolve("new"), "3");
        assertThat(tmp.resolve("u/new")).hasContent("3");
    }

    /** 40 layers under a long base dir: absolute, their paths exceed a page; relative to the base dir they fit. */
    private Mount longOverlay(boolean writable) throws Exception {
        Path base = Files.createDirectories(tmp.resolve("x".repeat(100)));
        StringBuilder lower = new StringBuilder("lowerdir=");
        for (int i = 40; i >= 1; i--) {
            Files.createDirectories(base.resolve("l" + i));
            Files.writeString(base.resolve("l" + i).resolve("f" + i), Integer.toString(i));
            lower.append("l").append(i).append(i > 1 ? ":" : "");
        }
        List<String> options = new ArrayList<>();
        if (writable) {
            Files.createDirectories(base.resolve("upper"));
            Files.createDirectories(base.resolve("work"));
            options.addAll(List.of("workdir=work", "upperdir=upper"));
        }
        options.add(lower.toString());
        Mount m = new Mount("overlay", "overlay", options, base);
        assertThat(m.resolved().data().length()).isGreaterThan(Mounts.MAX_DATA);
        return m;
    }

    /** On Linux 6.8+ with the new mount API (each layer its own fsconfig "lowerdir+"), else through mount(8). */
    @Test
    void anOverlayWhoseAbsolutePathsExceedAPageIsMounted() throws Exception {
        Mount m = longOverlay(true);
        Path target = Files.createDirectories(tmp.resolve("merged"));
        Mounts.mount(m, target);
        assertThat(target.resolve("f1")).hasContent("1");
        assertThat(target.resolve("f40")).hasContent("40");
        Files.writeString(target.resolve("new"), "n");
        assertThat(m.baseDir().resolve("upper/new")).hasContent("n");
    }

    @Test
    void linux68TakesALongOverlayWithoutAHelper() throws Exception {
        String[] v = System.getProperty("os.version").split("[.-]");
        assumeTrue(Integer.parseInt(v[0]) * 100 + Integer.parseInt(v[1]) >= 608, "needs Linux 6.8+");
        Mount m = longOverlay(false).resolved();
        Path target = Files.createDirectories(tmp.resolve("merged"));
        assertThat(OverlayFsConfig.mount(m, target)).isTrue();
        assertThat(target.resolve("f40")).hasContent("40");
    }

    @Test
    void mountHelperRunsFromTheBaseDir() throws Exception {
        Mount m = longOverlay(false);
        Path target = Files.createDirectories(tmp.resolve("merged"));
        Mounts.mountWithHelper(m, target);
        assertThat(target.resolve("f1")).hasContent("1");
        assertThat(target.resolve("f40")).hasContent("40");
        assertThatThrownBy(() -> Files.writeString(target.resolve("x"), "x")).isInstanceOf(java.io.IOException.class);
    }

    @Test
    void aLongOverlayWithAMissingLayerFailsNamingIt() throws Exception {
        Mount m = longOverlay(false);
        List<String> options = List.of(m.options().get(0) + ":gone");
        Path target = Files.createDirectories(tmp.resolve("merged"));
        assertThatThrownBy(() -> Mounts.mount(new Mount("overlay", "overlay", options, m.baseDir()), target))
                .isInstanceOfSatisfying(BerthException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ErrorKind.INTERNAL);
                    assertThat(e.getMessage()).contains("gone");
                });
        assertThat(Mounts.isMountPoint(target)).isFalse();
    }

    @Test
    void aBindMountWithFlagsIsReadOnlyAndUnmountOfANonMountFails() throws Exception {
        Path a = Files.createDirectories(tmp.resolve("a"));
        Path target = Files.createDirectories(tmp.resolve("t"));
        Mounts.mount(new Mount("bind", a.toString(), List.of("bind", "ro", "nosuid")), target);
        assertThatThrownBy(() -> Files.writeString(target.resolve("x"), "x")).isInstanceOf(java.io.IOException.class);
        Mounts.unmount(target);
        assertThatThrownBy(() -> Mounts.unmount(target)).hasMessageContaining("not mounted");
    }

    @Test
    void failureCarriesMountsMessageAndUndoesEarlierMounts() throws Exception {
        Path a = Files.createDirectories(tmp.resolve("a"));
        Path target = Files.createDirectories(tmp.resolve("t"));
        assertThatThrownBy(() -> Mounts.mount(List.of(new Mount("bind", a.toString(), List.of("rbind")),
                new Mount("bind", tmp.resolve("missing").toString(), List.of("rbind"))), target))
                .isInstanceOfSatisfying(BerthException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ErrorKind.INTERNAL);
                    assertThat(e.getMessage()).contains("missing");
                });
        assertThat(Mounts.isMountPoint(target)).isFalse();
    }

    @Test
    void tooLongOptionsAreRejectedBeforeMounting() {
        Mount m = new Mount("overlay", "overlay", List.of("lowerdir=" + "x:".repeat(2100) + "x"));
        assertThatThrownBy(() -> Mounts.mount(List.of(m), tmp))
                .isInstanceOfSatisfying(BerthException.class,
                        e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT));
    }

    @Test
    void mountinfoEscapesAreDecoded() {
        assertThat(Mounts.unescape("/a\\040b\\011c\\134d")).isEqualTo("/a b\tc\\d");
        assertThat(Mounts.unescape("/plain")).isEqualTo("/plain");
        assertThat(Mounts.unescape("/trailing\\04")).isEqualTo("/trailing\\04");
    }
}
