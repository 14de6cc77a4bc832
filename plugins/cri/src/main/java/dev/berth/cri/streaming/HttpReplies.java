package dev.berth.cri.streaming;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Plain-text HTTP answers for requests that do not become a session; the connection closes after each. */
final class HttpReplies {
    private HttpReplies() {
    }

    static void send(ChannelHandlerContext ctx, HttpResponseStatus status, String message) {
        send(ctx, status, message, Map.of());
    }

    /** @param headers extra headers; a value with commas becomes one header line per item */
    static void send(ChannelHandlerContext ctx, HttpResponseStatus status, String message, Map<String, Iterable<String>> headers) {
        byte[] body = (message + "\n").getBytes(StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.length);
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        headers.forEach((name, values) -> values.forEach(v -> r.headers().add(name, v)));
        ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    }
}
