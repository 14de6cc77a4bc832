package dev.berth.cri.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ChannelFramingTest {
    private static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
    }

    @Test
    void binaryMessagesStartWithTheChannelByte() {
        WebSocketFrame f = new ChannelFraming(Subprotocol.WS_V4).encode(1, bytes("out"), ByteBufAllocator.DEFAULT);
        assertThat(f).isInstanceOf(BinaryWebSocketFrame.class);
        assertThat(ByteBufUtil.getBytes(f.content())).containsExactly(1, 'o', 'u', 't');
        f.release();
        ChannelFraming.Inbound in = new ChannelFraming(Subprotocol.WS_V4).decode(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {0, 'h', 'i'})));
        assertThat(in.channel()).isZero();
        assertThat(in.data().toString(StandardCharsets.UTF_8)).isEqualTo("hi");
        assertThat(in.close()).isFalse();
        in.data().release();
    }

    @Test
    void base64MessagesAreTextWithAChannelDigit() {
        WebSocketFrame f = new ChannelFraming(Subprotocol.WS_V4_BASE64).encode(2, bytes("err"), ByteBufAllocator.DEFAULT);
        assertThat(f).isInstanceOf(TextWebSocketFrame.class);
        assertThat(((TextWebSocketFrame) f).text()).isEqualTo("2ZXJy");
        f.release();
        ChannelFraming.Inbound in = new ChannelFraming(Subprotocol.WS_BASE64).decode(new TextWebSocketFrame("0aGk="));
        assertThat(in.channel()).isZero();
        assertThat(in.data().toString(StandardCharsets.UTF_8)).isEqualTo("hi");
        assertThat(new ChannelFraming(Subprotocol.WS_BASE64).decode(new TextWebSocketFrame("0%%%"))).isNull();
    }

    @Test
    void onlyV5KnowsTheCloseSignal() {
        BinaryWebSocketFrame close = new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {(byte) 255, 0}));
        ChannelFraming.Inbound v5 = new ChannelFraming(Subprotocol.WS_V5).decode(close);
        assertThat(v5.close()).isTrue();
        assertThat(v5.channel()).isZero();
        ChannelFraming.Inbound v4 = new ChannelFraming(Subprotocol.WS_V4).decode(close);
        assertThat(v4.close()).isFalse();
        assertThat(v4.channel()).isEqualTo(255);
        v4.data().release();
        assertThat(new ChannelFraming(Subprotocol.WS_V5).decode(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {(byte) 255}))))
                .isNull();
        assertThat(new ChannelFraming(Subprotocol.WS_V5).decode(new BinaryWebSocketFrame(Unpooled.EMPTY_BUFFER))).isNull();
    }
}
