package dev.berth.core.json;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void quotesAndEscapes() {
        assertThat(Json.quote("plain")).isEqualTo("\"plain\"");
        assertThat(Json.quote("a\"b\\c\n\t\r\u0001é")).isEqualTo("\"a\\\"b\\\\c\\n\\t\\r\\u0001é\"");
    }
}
