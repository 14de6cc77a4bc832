package dev.berth.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SuggestTest {
    @Test
    void distanceCountsEditsAndSwaps() {
        assertThat(Suggest.distance("adress", "address")).isEqualTo(1);
        assertThat(Suggest.distance("ab", "ba")).isEqualTo(1);
        assertThat(Suggest.distance("", "abc")).isEqualTo(3);
        assertThat(Suggest.distance("same", "same")).isZero();
    }

    @Test
    void picksClosestWithinLimit() {
        assertThat(Suggest.nearest("addres", List.of("address", "add", "uid"))).contains("address");
        assertThat(Suggest.nearest("Root", List.of("root", "state"))).contains("root");
        assertThat(Suggest.nearest("completely", List.of("root", "state"))).isEmpty();
    }
}
