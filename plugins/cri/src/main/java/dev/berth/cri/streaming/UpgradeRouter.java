package dev.berth.cri.streaming;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketHandshakeException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP phase of a streaming connection: takes the one request, redeems its token, and upgrades the connection
 * to SPDY or WebSocket with the session the token stands for. Everything that cannot become a session gets a
 * plain HTTP error and a closed connection. The token is spent by the request, even if the upgrade then fails.
 */
final class UpgradeRouter extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger LOG = LoggerFactory.getLogger(UpgradeRouter.class);

    private final StreamTokens tokens;
    private final IoWorkers workers;
    private final Duration streamCreationTimeout;
    private final WritableGate gate;
    private ScheduledFuture<?> deadline;

    UpgradeRouter(StreamTokens tokens, IoWorkers workers, Duration streamCreationTimeout, WritableGate gate) {
        this.tokens = tokens;
        this.workers = workers;
        this.streamCreationTimeout = streamCreationTimeout;
        this.gate = gate;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        // A client that connects and never asks is dropped after the time it would have had to open its streams.
        deadline = ctx.executor().schedule(() -> {
            LOG.debug("no streaming request from {} within {}", ctx.channel().remoteAddress(), streamCreationTimeout);
            ctx.close();
        }, streamCreationTimeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        deadline.cancel(false);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        deadline.cancel(false);
        if (!req.decoderResult().isSuccess()) {
            HttpReplies.send(ctx, HttpResponseStatus.BAD_REQUEST, "malformed request");
            return;
        }
        if (!req.method().equals(HttpMethod.GET) && !req.method().equals(HttpMethod.POST)) {
            HttpReplies.send(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "only GET and POST are served");
            return;
        }
        QueryStringDecoder uri = target(req.uri());
        if (uri == null) {
            HttpReplies.send(ctx, HttpResponseStatus.BAD_REQUEST, "malformed request target");
            return;
        }
        String[] parts = uri.path().split("/", -1);
        if (parts.length != 3 || !parts[0].isEmpty()) {
            HttpReplies.send(ctx, HttpResponseStatus.NOT_FOUND, "not found");
            return;
        }
        Optional<StreamTarget> target = tokens.consume(parts[2]);
        // An exec token on /attach is as unknown as a made-up one: no hint which tokens exist.
        if (target.isEmpty() || !target.get().pathKind().equals(parts[1])) {
            HttpReplies.send(ctx, HttpResponseStatus.NOT_FOUND, "unknown or expired streaming request");
            return;
        }
        try {
            if (isWebSocket(req.headers())) {
                webSocket(ctx, req, uri, target.get());
            } else if (isSpdy(req.headers())) {
                spdy(ctx, req, target.get());
            } else {
                HttpReplies.send(ctx, HttpResponseStatus.BAD_REQUEST, "unable to upgrade: missing upgrade headers in request");
            }
        } catch (WebSocketHandshakeException e) {
            HttpReplies.send(ctx, HttpResponseStatus.BAD_REQUEST, "unable to upgrade: " + e.getMessage());
        }
    }

    /** The request target, also in absolute form ("http://host:port/exec/…"), as a proxy in between may send it. */
    private static QueryStringDecoder target(String uri) {
        if (uri.startsWith("/")) {
            return new QueryStringDecoder(uri);
        }
        try {
            return new QueryStringDecoder(new URI(uri));
        } catch (URISyntaxException | IllegalArgumentException e) {
            return null;
        }
    }

    private static boolean isWebSocket(HttpHeaders h) {
        return h.containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
    }

    private static boolean isSpdy(HttpHeaders h) {
        return h.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
                && h.getAll(HttpHeaderNames.UPGRADE).stream().anyMatch(v -> v.trim().equalsIgnoreCase(SpdyUpgrade.UPGRADE));
    }

    private void spdy(ChannelHandlerContext ctx, FullHttpRequest req, StreamTarget target) {
        List<Subprotocol> supported = target instanceof StreamTarget.Process ? Subprotocol.SPDY_COMMAND : Subprotocol.SPDY_PORT_FORWARDING;
        List<String> offered = Subprotocol.offered(req.headers().getAll(SpdyUpgrade.PROTOCOL_HEADER));
        if (offered.isEmpty()) {
            HttpReplies.send(ctx, HttpResponseStatus.BAD_REQUEST, "unable to upgrade: " + SpdyUpgrade.PROTOCOL_HEADER + " is required");
            return;
        }
        Optional<Subprotocol> chosen = Subprotocol.clientPreferred(offered, supported);
        if (chosen.isEmpty()) {
            HttpReplies.send(ctx, HttpResponseStatus.FORBIDDEN, "unable to upgrade: unable to negotiate protocol: client supports "
                    + offered + ", server accepts " + Subprotocol.names(supported),
                    Map.of(SpdyUpgrade.ACCEPTED_HEADER, Subprotocol.names(supported)));
            return;
        }
        StreamConnection conn = connection(ctx);
        if (target instanceof StreamTarget.Process p) {
            SpdyRemoteCommand command = new SpdyRemoteCommand(p, chosen.get(), conn);
            SpdyUpgrade.switchTo(ctx, chosen.get().name(), new SpdyStreams(command, gate));
            command.start();
        } else {
            SpdyUpgrade.switchTo(ctx, chosen.get().name(),
                    new SpdyStreams(new SpdyPortForward((StreamTarget.PortForward) target, conn), gate));
        }
    }

    private void webSocket(ChannelHandlerContext ctx, FullHttpRequest req, QueryStringDecoder uri, StreamTarget target) {
        if (!req.method().equals(HttpMethod.GET)) {
            HttpReplies.send(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "a WebSocket handshake is a GET");
            return;
        }
        List<Subprotocol> supported = target instanceof StreamTarget.Process ? Subprotocol.WS_COMMAND : Subprotocol.WS_PORT_FORWARDING;
        List<String> offered = Subprotocol.offered(req.headers().getAll(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL));
        Optional<Subprotocol> chosen = Subprotocol.serverPreferred(offered, supported);
        if (chosen.isEmpty()) {
            HttpReplies.send(ctx, HttpResponseStatus.FORBIDDEN, "unable to upgrade: requested protocol(s) " + offered
                    + " are not supported; supports " + Subprotocol.names(supported));
            return;
        }
        StreamConnection conn = connection(ctx);
        if (target instanceof StreamTarget.Process p) {
            WebSocketRemoteCommand command = new WebSocketRemoteCommand(p, chosen.get(), conn);
            WebSocketUpgrade.switchTo(ctx, req, chosen.get(), command, command::start);
            return;
        }
        StreamTarget.PortForward pf = (StreamTarget.PortForward) target;
        List<Integer> ports;
        try {
            ports = ports(uri, pf);
        } catch (IllegalArgumentException e) {
            HttpReplies.send(ctx, HttpResponseStatus.BAD_REQUEST, e.getMessage());
            return;
        }
        WebSocketPortForward forward = new WebSocketPortForward(pf, ports, chosen.get(), conn);
        WebSocketUpgrade.switchTo(ctx, req, chosen.get(), forward, forward::start);
    }

    /** The ports of a WebSocket port-forward: the {@code port} query parameters, else the CRI request's. */
    static List<Integer> ports(QueryStringDecoder uri, StreamTarget.PortForward target) {
        List<String> values = uri.parameters().getOrDefault("port", List.of());
        if (values.isEmpty()) {
            if (target.ports().isEmpty()) {
                throw new IllegalArgumentException("query parameter \"port\" is required");
            }
            return target.ports();
        }
        List<Integer> ports = new ArrayList<>();
        for (String v : values) {
            for (String p : v.split(",", -1)) {
                int port;
                try {
                    port = Integer.parseInt(p.trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("unable to parse \"" + v + "\" as a port");
                }
                if (port < 1 || port > 65535) {
                    throw new IllegalArgumentException("port \"" + v + "\" must be 1-65535");
                }
                ports.add(port);
            }
        }
        return ports;
    }

    private StreamConnection connection(ChannelHandlerContext ctx) {
        return new StreamConnection(ctx.channel(), gate, new ReadThrottle(ctx.channel()), workers, streamCreationTimeout);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("streaming request from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
