package dev.berth.core.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import java.time.Instant;
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

    @Test
    void updatedReplacesAllOrSingleLabelsAndRefusesOtherFields() {
        Map<String, String> current = Map.of("a", "1", "b", "2");
        Info info = new Info("s", null, Kind.COMMITTED, Map.of("b", "new", "c", "3"), Instant.EPOCH, Instant.EPOCH);
        assertThat(SnapshotLabels.updated(current, info)).containsExactlyInAnyOrderEntriesOf(Map.of("b", "new", "c", "3"));
        assertThat(SnapshotLabels.updated(current, info, "labels")).isEqualTo(info.labels());
        assertThat(SnapshotLabels.updated(current, info, "labels.c"))
                .containsExactlyInAnyOrderEntriesOf(Map.of("a", "1", "b", "2", "c", "3"));
        // a key absent from info is removed
        assertThat(SnapshotLabels.updated(current, info, "labels.a", "labels.b"))
                .containsExactlyInAnyOrderEntriesOf(Map.of("b", "new"));
        assertThatThrownBy(() -> SnapshotLabels.updated(current, info, "parent"))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
                .hasMessageContaining("parent");
        assertThatThrownBy(() -> SnapshotLabels.updated(current, info, "labels."))
                .isInstanceOf(BerthException.class);
        Info tooLong = info.withLabels(Map.of("k", "v".repeat(4096)));
        assertThatThrownBy(() -> SnapshotLabels.updated(current, tooLong, "labels.k")).isInstanceOf(BerthException.class);
    }
}
