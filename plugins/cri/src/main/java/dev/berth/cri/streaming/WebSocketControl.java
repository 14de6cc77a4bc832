package dev.berth.cri.streaming;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The WebSocket control frames every session answers the same way: ping, pong, close. */
final class WebSocketControl {
    private static final Logger LOG = LoggerFactory.getLogger(WebSocketControl.class);

    private WebSocketControl() {
    }

    /**
     * Answers {@code frame} if it is a control frame (not released here).
     *
     * @return whether it was one
     */
    static boolean handled(ChannelHandlerContext ctx, WebSocketFrame frame) {
        if (frame instanceof PingWebSocketFrame) {
            ctx.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
            return true;
        }
        if (frame instanceof PongWebSocketFrame) {
            return true;
        }
        if (frame instanceof CloseWebSocketFrame) {
            // The client is done: answer its close, then drop the connection, which ends the session.
            ctx.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.NORMAL_CLOSURE)).addListener(ChannelFutureListener.CLOSE);
            return true;
        }
        return false;
    }

    /**
     * The client's data message in {@code msg}, a frame this releases; null when it was a control frame (answered
     * here) or an empty or malformed message.
     */
    static ChannelFraming.Inbound read(ChannelHandlerContext ctx, Object msg, ChannelFraming framing) {
        WebSocketFrame frame = (WebSocketFrame) msg;
        try {
            return handled(ctx, frame) ? null : framing.decode(frame);
        } finally {
            frame.release();
        }
    }

    /** Closes the WebSocket normally: a close frame, then the connection once it is sent. */
    static void closeNormally(Channel channel) {
        channel.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.NORMAL_CLOSURE)).addListener(ChannelFutureListener.CLOSE);
    }

    static void failed(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("WebSocket connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
