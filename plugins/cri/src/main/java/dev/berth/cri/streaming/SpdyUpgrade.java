package dev.berth.cri.streaming;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.spdy.SpdyFrameCodec;
import io.netty.handler.codec.spdy.SpdyVersion;

/** Answers an accepted SPDY upgrade with 101 and turns the connection from HTTP into SPDY/3.1 frames. */
final class SpdyUpgrade {
    static final String UPGRADE = "SPDY/3.1";
    static final String PROTOCOL_HEADER = "X-Stream-Protocol-Version";
    static final String ACCEPTED_HEADER = "X-Accepted-Stream-Protocol-Versions";

    private SpdyUpgrade() {
    }

    /**
     * Writes the 101 response, then replaces the HTTP handlers by the SPDY codec and {@code streams}. Event loop,
     * from within the HTTP handler {@code ctx}: the response is encoded by the time the HTTP codec goes, and
     * anything the client sent after its request reaches the SPDY codec.
     */
    static void switchTo(ChannelHandlerContext ctx, String protocol, SpdyStreams streams) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.SWITCHING_PROTOCOLS);
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        r.headers().set(HttpHeaderNames.UPGRADE, UPGRADE);
        r.headers().set(PROTOCOL_HEADER, protocol);
        ctx.writeAndFlush(r);
        ChannelPipeline p = ctx.pipeline();
        p.remove(ConnectionInitializer.HTTP_AGGREGATOR);
        p.replace(ConnectionInitializer.HTTP_CODEC, "spdy-codec", new SpdyFrameCodec(SpdyVersion.SPDY_3_1));
        p.replace(ctx.handler(), "spdy-streams", streams);
    }
}
