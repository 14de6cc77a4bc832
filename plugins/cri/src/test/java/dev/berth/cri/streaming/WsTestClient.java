package dev.berth.cri.streaming;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A minimal Kubernetes channel WebSocket client built on Netty's client handshaker. */
final class WsTestClient implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(10);

    /** One message from the server: its channel and bytes (base64 already decoded), or the close frame. */
    record Message(int channel, byte[] data, boolean text, int closeStatus) {
        boolean isClose() {
            return closeStatus != 0;
        }
    }

    private final Channel channel;
    private final boolean base64;
    final String protocol;
    final LinkedBlockingQueue<Message> messages = new LinkedBlockingQueue<>();
    final CountDownLatch closed = new CountDownLatch(1);

    private WsTestClient(Channel channel, String protocol) {
        this.channel = channel;
        this.protocol = protocol;
        this.base64 = protocol != null && protocol.contains("base64");
    }

    /** The refusal of a handshake: the HTTP status the server answered with. */
    static final class Refused extends Exception {
        final int status;

        Refused(int status) {
            super("handshake refused with HTTP " + status);
            this.status = status;
        }
    }

    /** Connects and completes the handshake offering {@code protocols} (comma-separated, client order). */
    static WsTestClient connect(EventLoopGroup group, String url, String protocols) throws Exception {
        URI u = URI.create(url.replaceFirst("^http", "ws"));
        WebSocketClientHandshaker hs = WebSocketClientHandshakerFactory.newHandshaker(u, WebSocketVersion.V13, protocols, false,
                EmptyHttpHeaders.INSTANCE, 16 << 20);
        CompletableFuture<WsTestClient> result = new CompletableFuture<>();
        WsTestClient[] self = new WsTestClient[1];
        Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class).handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel c) {
                c.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 16), new WebSocketFrameAggregator(64 << 20));
                c.pipeline().addLast(new SimpleChannelInboundHandler<Object>() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        hs.handshake(ctx.channel());
                    }

                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
                        if (!hs.isHandshakeComplete()) {
                            FullHttpResponse r = (FullHttpResponse) msg;
                            if (r.status().code() != 101) {
                                result.completeExceptionally(new Refused(r.status().code()));
                                return;
                            }
                            hs.finishHandshake(ctx.channel(), r);
                            self[0] = new WsTestClient(ctx.channel(), hs.actualSubprotocol());
                            result.complete(self[0]);
                            return;
                        }
                        self[0].onFrame((WebSocketFrame) msg);
                    }

                    @Override
                    public void channelInactive(ChannelHandlerContext ctx) {
                        result.completeExceptionally(new IllegalStateException("closed during handshake"));
                        if (self[0] != null) {
                            self[0].closed.countDown();
                        }
                    }
                });
            }
        }).connect(u.getHost(), u.getPort()).sync().channel();
        try {
            return result.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            ch.close();
            throw (Exception) e.getCause();
        }
    }

    private void onFrame(WebSocketFrame f) {
        if (f instanceof CloseWebSocketFrame c) {
            messages.add(new Message(-1, new byte[0], false, c.statusCode() < 0 ? 1005 : c.statusCode()));
            return;
        }
        ByteBuf c = f.content();
        byte[] all = new byte[c.readableBytes()];
        c.getBytes(c.readerIndex(), all);
        if (all.length == 0) {
            return;
        }
        if (f instanceof TextWebSocketFrame) {
            String s = new String(all, StandardCharsets.US_ASCII);
            messages.add(new Message(s.charAt(0) - '0', Base64.getDecoder().decode(s.substring(1)), true, 0));
        } else if (f instanceof BinaryWebSocketFrame) {
            messages.add(new Message(all[0] & 0xff, java.util.Arrays.copyOfRange(all, 1, all.length), false, 0));
        }
    }

    /** Sends {@code data} on {@code ch} in the negotiated encoding. */
    void send(int ch, byte[] data) {
        if (base64) {
            channel.writeAndFlush(new TextWebSocketFrame((char) ('0' + ch) + Base64.getEncoder().encodeToString(data)));
        } else {
            ByteBuf b = Unpooled.buffer(data.length + 1).writeByte(ch).writeBytes(data);
            channel.writeAndFlush(new BinaryWebSocketFrame(b));
        }
    }

    void send(int ch, String text) {
        send(ch, text.getBytes(StandardCharsets.UTF_8));
    }

    void sendRaw(byte... bytes) {
        channel.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(bytes)));
    }

    void sendClose() {
        channel.writeAndFlush(new CloseWebSocketFrame(1000, "bye"));
    }

    Message next() throws InterruptedException {
        Message m = messages.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        if (m == null) {
            throw new IllegalStateException("no message within " + WAIT);
        }
        return m;
    }

    /** Everything until the server's close frame: bytes per channel, and the close status under key -1. */
    Map<Integer, ByteArrayOutputStream> untilClose() throws InterruptedException {
        Map<Integer, ByteArrayOutputStream> out = new HashMap<>();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            Message m = messages.poll(100, TimeUnit.MILLISECONDS);
            if (m == null) {
                continue;
            }
            if (m.isClose()) {
                out.computeIfAbsent(-1, k -> new ByteArrayOutputStream()).writeBytes(Integer.toString(m.closeStatus()).getBytes());
                return out;
            }
            out.computeIfAbsent(m.channel(), k -> new ByteArrayOutputStream()).writeBytes(m.data());
        }
        throw new IllegalStateException("no close frame within " + WAIT);
    }

    boolean awaitClosed() throws InterruptedException {
        return closed.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(WAIT.toMillis());
    }
}
