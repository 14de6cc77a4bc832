package dev.berth.core.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.errdefs.BerthException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SnapshotLabelsTest {
    @Test
    void gcRefSnapshotNamesTheSnapshotter() {
        assertThat(SnapshotLabels.gcRefSnapshot("overlayfs")).isEqualTo("berth.io/gc.ref.snapshot.overlayfs");
        assertThat(SnapshotLabels.GC_ROOT).isEqualTo("berth.io/gc.root");
        assertThatThrownBy(() -> SnapshotLabels.gcRefSnapshot("")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void validateRejectsEmptyKeysAndLongLabels() {
        assertThatCode(() -> SnapshotLabels.validate(Map.of("k", "v"))).doesNotThrowAnyException();
        assertThatCode(() -> SnapshotLabels.validate(null)).doesNotThrowAnyException();
        assertThatThrownBy(() -> SnapshotLabels.validate(Map.of("", "v"))).isInstanceOf(BerthException.class);
        assertThatThrownBy(() -> SnapshotLabels.validate(Map.of("k", "v".repeat(4096))))
                .isInstanceOf(BerthException.class).hasMessageContaining("k");
    }
}
