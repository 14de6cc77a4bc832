package dev.berth.cri.streaming;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The pipeline every accepted connection starts with: TLS if on, the idle timeout, the output gate, then HTTP until
 * the request is upgraded. Also keeps the set of live connections so the server can close them all.
 */
final class ConnectionInitializer extends ChannelInitializer<Channel> {
    static final String HTTP_CODEC = "http-codec";
    static final String HTTP_AGGREGATOR = "http-aggregate";
    /** The upgrade request has no body worth the name; this bounds what a client can make us buffer. */
    static final int MAX_REQUEST = 64 * 1024;

    private final SslContext ssl;
    private final Duration idleTimeout;
    private final Duration streamCreationTimeout;
    private final StreamTokens tokens;
    private final IoWorkers workers;
    private final Set<Channel> live;

    /** @param ssl the TLS context, or null for plain HTTP */
    ConnectionInitializer(SslContext ssl, Duration idleTimeout, Duration streamCreationTimeout, StreamTokens tokens, IoWorkers workers,
                          Set<Channel> live) {
        this.ssl = ssl;
        this.idleTimeout = idleTimeout;
        this.streamCreationTimeout = streamCreationTimeout;
        this.tokens = tokens;
        this.workers = workers;
        this.live = live;
    }

    @Override
    protected void initChannel(Channel ch) {
        live.add(ch);
        ch.closeFuture().addListener(f -> live.remove(ch));
        ChannelPipeline p = ch.pipeline();
        if (ssl != null) {
            p.addLast("tls", ssl.newHandler(ch.alloc()));
        }
        // observeOutput: a large write still trickling out to a slow client is traffic, not idleness.
        p.addLast("idle", new IdleStateHandler(true, 0, 0, idleTimeout.toMillis(), TimeUnit.MILLISECONDS));
        p.addLast("idle-close", new IdleCloser());
        WritableGate gate = new WritableGate();
        p.addLast("gate", gate);
        p.addLast(HTTP_CODEC, new HttpServerCodec());
        p.addLast(HTTP_AGGREGATOR, new HttpObjectAggregator(MAX_REQUEST));
        p.addLast("router", new UpgradeRouter(tokens, workers, streamCreationTimeout, gate));
    }
}
