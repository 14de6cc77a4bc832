package dev.berth.cri.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class TerminalSizeDecoderTest {
    private static List<TerminalSizeDecoder.Size> feed(TerminalSizeDecoder d, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return d.feed(b, 0, b.length);
    }

    @Test
    void objectsFollowEachOtherAndSplitAnywhere() {
        TerminalSizeDecoder d = new TerminalSizeDecoder();
        assertThat(feed(d, "{\"Width\":80,\"Height\":24}\n{\"Wid")).containsExactly(new TerminalSizeDecoder.Size(80, 24));
        assertThat(feed(d, "th\":100,")).isEmpty();
        assertThat(feed(d, "\"Height\":40}{\"width\":1,\"height\":2}")).containsExactly(new TerminalSizeDecoder.Size(100, 40),
                new TerminalSizeDecoder.Size(1, 2));
        assertThat(d.broken()).isFalse();
    }

    @Test
    void bracesInsideStringsDoNotCount() {
        TerminalSizeDecoder d = new TerminalSizeDecoder();
        assertThat(feed(d, "{\"Note\":\"}{\\\"\",\"Width\":5,\"Height\":6}")).containsExactly(new TerminalSizeDecoder.Size(5, 6));
    }

    @Test
    void malformedInputEndsDecoding() {
        TerminalSizeDecoder d = new TerminalSizeDecoder();
        assertThat(feed(d, "garbage{\"Width\":80,\"Height\":24}")).isEmpty();
        assertThat(d.broken()).isTrue();
        TerminalSizeDecoder range = new TerminalSizeDecoder();
        assertThat(feed(range, "{\"Width\":70000,\"Height\":24}{\"Width\":1,\"Height\":1}")).isEmpty();
        assertThat(range.broken()).isTrue();
        TerminalSizeDecoder endless = new TerminalSizeDecoder();
        feed(endless, "{\"Width\":" + " ".repeat(TerminalSizeDecoder.MAX_OBJECT));
        assertThat(endless.broken()).isTrue();
    }
}
