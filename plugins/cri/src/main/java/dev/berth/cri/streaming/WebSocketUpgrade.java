package dev.berth.cri.streaming;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;

/** Completes a WebSocket handshake for one agreed subprotocol and puts a session handler behind it. */
final class WebSocketUpgrade {
    /**
     * Largest client message. Kubernetes clients send stdin in messages of at most 32 KiB; the limit bounds what one
     * connection can make us hold.
     */
    static final int MAX_MESSAGE = 1 << 20;
    private static final WebSocketDecoderConfig DECODER = WebSocketDecoderConfig.newBuilder()
            .maxFramePayloadLength(MAX_MESSAGE)
            .allowExtensions(false)
            .build();

    private WebSocketUpgrade() {
    }

    /**
     * Answers the handshake with {@code protocol}, installs {@code session} and runs {@code onOpen} once the answer
     * is written. Event loop, from within the HTTP handler {@code ctx}.
     *
     * @throws io.netty.handler.codec.http.websocketx.WebSocketHandshakeException for a malformed handshake request
     */
    static void switchTo(ChannelHandlerContext ctx, FullHttpRequest req, Subprotocol protocol, ChannelHandler session, Runnable onOpen) {
        // Offering only the protocol we chose makes Netty answer with it, whatever order the client listed them in.
        String location = "ws://" + req.headers().get(HttpHeaderNames.HOST, "localhost") + req.uri();
        WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory(location, protocol.name(), DECODER).newHandshaker(req);
        if (handshaker == null) {
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel()).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        // Handshake first: a malformed request throws here with the HTTP handlers still in place to answer it. The
        // client sends frames only after reading the answer, so installing the session right after is in time.
        ChannelFuture answered = handshaker.handshake(ctx.channel(), req);
        ctx.pipeline().replace(ctx.handler(), "ws-aggregate", new WebSocketFrameAggregator(MAX_MESSAGE));
        ctx.pipeline().addAfter("ws-aggregate", "ws-session", session);
        answered.addListener(f -> {
            if (f.isSuccess()) {
                onOpen.run();
            } else {
                ctx.channel().close();
            }
        });
    }
}
