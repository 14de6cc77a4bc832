package dev.berth.shim.runc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sub paths of image volumes: symlinks resolve inside the image, never on the host. */
class ScopedPathTest {
    @TempDir
    Path tmp;
    private Path root;

    @BeforeEach
    void tree() throws Exception {
        root = Files.createDirectories(tmp.resolve("image"));
        Files.createDirectories(root.resolve("data/sub"));
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/hostname"), "image");
        Files.writeString(tmp.resolve("secret"), "host");
        Files.createSymbolicLink(root.resolve("data/abs"), Path.of("/etc"));
        Files.createSymbolicLink(root.resolve("data/climb"), Path.of("../../../../etc"));
        Files.createSymbolicLink(root.resolve("data/host"), Path.of("../../secret"));
        Files.createSymbolicLink(root.resolve("data/rel"), Path.of("sub"));
        Files.createSymbolicLink(root.resolve("data/loop"), Path.of("loop"));
    }

    @Test
    void plainPathsAndTheRootResolveAsThemselves() throws Exception {
        assertThat(ScopedPath.resolve(root, "data/sub")).contains(root.resolve("data/sub"));
        assertThat(ScopedPath.resolve(root, "./data//sub/")).contains(root.resolve("data/sub"));
        assertThat(ScopedPath.resolve(root, "")).contains(root);
        assertThat(ScopedPath.resolve(root, "data/rel")).contains(root.resolve("data/sub"));
    }

    @Test
    void linksOutOfTheImageLandInsideIt() throws Exception {
        assertThat(ScopedPath.resolve(root, "data/abs/hostname")).contains(root.resolve("etc/hostname"));
        assertThat(ScopedPath.resolve(root, "data/climb")).contains(root.resolve("etc"));
        assertThat(ScopedPath.resolve(root, "data/host")).as("../../secret stops at the image's root").isEmpty();
    }

    @Test
    void missingPathsAreEmptyAndLoopsInvalid() throws Exception {
        assertThat(ScopedPath.resolve(root, "data/nope")).isEmpty();
        assertThatThrownBy(() -> ScopedPath.resolve(root, "data/loop"))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
                .hasMessageContaining("symbolic links");
    }
}
