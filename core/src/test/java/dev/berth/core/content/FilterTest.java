package dev.berth.core.content;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FilterTest {
    private static Info blob(String content, Map<String, String> labels) {
        Instant t = Instant.EPOCH;
        return new Info(Digest.sha256(content.getBytes(StandardCharsets.UTF_8)), content.length(), t, t, labels);
    }

    @Test
    void emptyFilterMatchesAll() {
        assertThat(Filter.all().matches(blob("a", Map.of()))).isTrue();
    }

    @Test
    void labelValueAndPresence() {
        Info root = blob("a", Map.of(ContentLabels.GC_ROOT, "2024-01-01T00:00:00Z", "x", "1"));
        Info plain = blob("b", Map.of("x", "2"));
        assertThat(Filter.label("x", "1").matches(root)).isTrue();
        assertThat(Filter.label("x", "1").matches(plain)).isFalse();
        assertThat(Filter.hasLabel(ContentLabels.GC_ROOT).matches(root)).isTrue();
        assertThat(Filter.hasLabel(ContentLabels.GC_ROOT).matches(plain)).isFalse();
        assertThat(Filter.hasLabel("x").matches(plain)).isTrue();
    }

    @Test
    void digestPrefixAndCombination() {
        Info a = blob("a", Map.of("x", "1"));
        String prefix = a.digest().toString().substring(0, 10);
        assertThat(Filter.digestPrefix(prefix).matches(a)).isTrue();
        assertThat(Filter.digestPrefix("sha512:").matches(a)).isFalse();
        Filter both = Filter.digestPrefix(prefix).and(Filter.label("x", "1"));
        assertThat(both.matches(a)).isTrue();
        assertThat(both.and(Filter.hasLabel("y")).matches(a)).isFalse();
        assertThat(Filter.digestPrefix("sha256:").and(Filter.digestPrefix(prefix)).digestPrefix()).isEqualTo(prefix);
    }

    @Test
    void contradictoryCombinationIsRejected() {
        assertThatThrownBy(() -> Filter.label("x", "1").and(Filter.label("x", "2")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Filter.digestPrefix("sha256:a").and(Filter.digestPrefix("sha256:b")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void gcRefLabel() {
        assertThat(ContentLabels.gcRefContent("l.0")).isEqualTo("berth.io/gc.ref.content.l.0");
    }
}
