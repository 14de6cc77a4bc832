package dev.berth.cli.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The channel framing, message reassembly, URLs, port mappings and terminal sizes: no server needed. */
class ChannelFramesTest {
    @Test
    void aMessageIsTheChannelByteThenTheData() {
        ByteBuffer m = ChannelFrames.encode(ChannelFrames.STDIN, "xhix".getBytes(StandardCharsets.US_ASCII), 1, 2);
        assertThat(bytes(m)).containsExactly(0, 'h', 'i');
        assertThat(bytes(ChannelFrames.closeSignal(ChannelFrames.STDIN))).containsExactly(0xff, 0);

        ChannelFrames.Message in = ChannelFrames.decode(ByteBuffer.wrap(new byte[] {2, 'e', 'r', 'r'}));
        assertThat(in.channel()).isEqualTo(2);
        assertThat(StandardCharsets.US_ASCII.decode(in.data()).toString()).isEqualTo("err");
        ChannelFrames.Message ready = ChannelFrames.decode(ByteBuffer.wrap(new byte[] {1}));
        assertThat(ready.channel()).isEqualTo(1);
        assertThat(ready.data().hasRemaining()).isFalse();
        assertThat(ChannelFrames.decode(ByteBuffer.allocate(0))).isNull();
        ChannelFrames.Message high = ChannelFrames.decode(ByteBuffer.wrap(new byte[] {(byte) 201, 5}));
        assertThat(high.channel()).as("channels are unsigned").isEqualTo(201);
        assertThatThrownBy(() -> ChannelFrames.encode(256, new byte[0], 0, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void partsAreJoinedIntoWholeMessages() throws IOException {
        MessageAssembler a = new MessageAssembler(20_000);
        assertThat(a.add(ascii("\u0001hel"), false)).isNull();
        ByteBuffer big = ByteBuffer.allocate(10_000);
        assertThat(a.add(big, false)).isNull();
        ByteBuffer whole = a.add(ascii("lo"), true);
        assertThat(whole.remaining()).isEqualTo(4 + 10_000 + 2);
        assertThat(whole.get(0)).isEqualTo((byte) 1);
        assertThat(whole.get(whole.limit() - 1)).isEqualTo((byte) 'o');
        // a one-part message, then the next message starts afresh
        assertThat(bytes(a.add(ascii("\u0002x"), true))).containsExactly(2, 'x');
        assertThat(bytes(a.add(ascii("\u0001"), false))).isEmpty();
        assertThat(bytes(a.add(ascii("y"), true))).containsExactly(1, 'y');
    }

    @Test
    void aMessageOverTheLimitIsRefused() throws IOException {
        MessageAssembler a = new MessageAssembler(100);
        a.add(ByteBuffer.allocate(60), false);
        assertThatThrownBy(() -> a.add(ByteBuffer.allocate(60), true)).isInstanceOf(IOException.class)
                .hasMessageContaining("longer than 100 bytes");
        assertThat(a.add(ByteBuffer.allocate(100), true).remaining()).as("usable after a refusal").isEqualTo(100);
    }

    @Test
    void streamingUrlsBecomeWebSocketUrls() throws Exception {
        assertThat(StreamUrls.webSocket("http://127.0.0.1:4000/exec/AbC-_", "").toString())
                .isEqualTo("ws://127.0.0.1:4000/exec/AbC-_");
        assertThat(StreamUrls.webSocket("https://[::1]:4000/portforward/t", "port=80").toString())
                .isEqualTo("wss://[::1]:4000/portforward/t?port=80");
        assertThat(StreamUrls.webSocket("http://h:1/portforward/t?x=1", "port=80").toString())
                .isEqualTo("ws://h:1/portforward/t?x=1&port=80");
        assertThatThrownBy(() -> StreamUrls.webSocket("ftp://h/x", "")).hasMessageContaining("not http(s)");
    }

    @Test
    void portMappingsAsKubectlTakesThem() {
        assertThat(PortMapping.parse("8080")).isEqualTo(new PortMapping(0, 8080));
        assertThat(PortMapping.parse(":8080")).isEqualTo(new PortMapping(0, 8080));
        assertThat(PortMapping.parse("9000:80")).isEqualTo(new PortMapping(9000, 80));
        assertThatThrownBy(() -> PortMapping.parse("80:http")).hasMessageContaining("is not [LOCAL:]REMOTE");
        assertThatThrownBy(() -> PortMapping.parse("0")).hasMessageContaining("remote port 0");
        assertThatThrownBy(() -> PortMapping.parse("70000:80")).hasMessageContaining("local port 70000");
    }

    @Test
    void terminalSizesFromSttyAndAsResizeJson() {
        assertThat(TerminalMode.Size.ofStty("33 91\n")).contains(new TerminalMode.Size(91, 33));
        assertThat(TerminalMode.Size.ofStty("0 0\n")).as("a pty nobody sized").isEqualTo(Optional.empty());
        assertThat(TerminalMode.Size.ofStty("stty: not a tty")).isEmpty();
        assertThat(new TerminalMode.Size(91, 33).json()).isEqualTo("{\"Width\":91,\"Height\":33}");
    }

    private static ByteBuffer ascii(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static int[] bytes(ByteBuffer b) {
        if (b == null) {
            return new int[0];
        }
        ByteBuffer d = b.duplicate();
        int[] out = new int[d.remaining()];
        for (int i = 0; i < out.length; i++) {
            out[i] = d.get() & 0xff;
        }
        return out;
    }
}
