package dev.berth.shim.runc.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.mount.Mount;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class OverlayLayerTest {
    @Test
    void anOverlayWithRelativePathsGivesAbsoluteUpperAndLowersNearestFirst() {
        Mount m = new Mount("overlay", "overlay", List.of("index=off", "workdir=9/work", "upperdir=9/fs",
                "lowerdir=8/fs:3/fs"), Path.of("/var/lib/berth/snapshots"));
        OverlayLayer l = OverlayLayer.of(List.of(m));
        assertThat(l.upper()).isEqualTo(Path.of("/var/lib/berth/snapshots/9/fs"));
        assertThat(l.lowers()).containsExactly(Path.of("/var/lib/berth/snapshots/8/fs"),
                Path.of("/var/lib/berth/snapshots/3/fs"));
        assertThat(l.opaqueXattr()).isEqualTo("trusted.overlay.opaque");
    }

    @Test
    void userxattrOverlaysMarkOpaqueDirsInTheUserNamespace() {
        Mount m = new Mount("overlay", "overlay", List.of("userxattr", "upperdir=/u", "workdir=/w", "lowerdir=/l"));
        assertThat(OverlayLayer.of(List.of(m)).opaqueXattr()).isEqualTo("user.overlay.opaque");
    }

    @Test
    void aReadOnlyRootHasNoUpperLayer() {
        assertThat(OverlayLayer.of(List.of(new Mount("overlay", "overlay", List.of("lowerdir=/a:/b")))).upper()).isNull();
        assertThat(OverlayLayer.of(List.of(new Mount("bind", "/s", List.of("rbind", "ro")))).upper()).isNull();
    }

    @Test
    void aWritableBindIsAllChanges() {
        OverlayLayer l = OverlayLayer.of(List.of(new Mount("bind", "/snap/1/fs", List.of("rbind", "rw"))));
        assertThat(l.upper()).isEqualTo(Path.of("/snap/1/fs"));
        assertThat(l.lowers()).isEmpty();
    }

    @Test
    void otherFileSystemsAreRefused() {
        assertThatThrownBy(() -> OverlayLayer.of(List.of(new Mount("tmpfs", "tmpfs", List.of()))))
                .isInstanceOfSatisfying(BerthException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION);
                    assertThat(e.getMessage()).contains("tmpfs");
                });
        assertThatThrownBy(() -> OverlayLayer.of(List.of())).isInstanceOf(BerthException.class);
    }
}
