package dev.berth.core.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FilterTest {
    private static Info info(Kind kind, Map<String, String> labels) {
        return new Info("n", null, kind, labels, Instant.EPOCH, Instant.EPOCH);
    }

    @Test
    void emptyFilterMatchesEverything() {
        assertThat(Filter.all().test(info(Kind.VIEW, Map.of()))).isTrue();
    }

    @Test
    void conditionsCombine() {
        Filter f = Filter.kind(Kind.COMMITTED).and(Filter.label("a", "1")).and(Filter.hasLabel("b"));
        assertThat(f.test(info(Kind.COMMITTED, Map.of("a", "1", "b", "")))).isTrue();
        assertThat(f.test(info(Kind.ACTIVE, Map.of("a", "1", "b", "")))).isFalse();
        assertThat(f.test(info(Kind.COMMITTED, Map.of("a", "2", "b", "")))).isFalse();
        assertThat(f.test(info(Kind.COMMITTED, Map.of("a", "1")))).isFalse();
    }

    @Test
    void kindsIntersect() {
        Filter f = Filter.kind(Kind.ACTIVE, Kind.VIEW).and(Filter.kind(Kind.VIEW, Kind.COMMITTED));
        assertThat(f.kinds()).containsExactly(Kind.VIEW);
        assertThatThrownBy(() -> Filter.kind(Kind.ACTIVE).and(Filter.kind(Kind.VIEW)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Filter.label("a", "1").and(Filter.label("a", "2")))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
