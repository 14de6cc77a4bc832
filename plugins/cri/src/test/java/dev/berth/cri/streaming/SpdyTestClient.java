package dev.berth.cri.streaming;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.spdy.DefaultSpdyDataFrame;
import io.netty.handler.codec.spdy.DefaultSpdyGoAwayFrame;
import io.netty.handler.codec.spdy.DefaultSpdyPingFrame;
import io.netty.handler.codec.spdy.DefaultSpdyRstStreamFrame;
import io.netty.handler.codec.spdy.DefaultSpdySynStreamFrame;
import io.netty.handler.codec.spdy.SpdyDataFrame;
import io.netty.handler.codec.spdy.SpdyFrameCodec;
import io.netty.handler.codec.spdy.SpdyPingFrame;
import io.netty.handler.codec.spdy.SpdyRstStreamFrame;
import io.netty.handler.codec.spdy.SpdyStreamStatus;
import io.netty.handler.codec.spdy.SpdySynReplyFrame;
import io.netty.handler.codec.spdy.SpdyVersion;
import io.netty.handler.codec.spdy.SpdyWindowUpdateFrame;
import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A minimal SPDY/3.1 client the way Go's spdystream behaves towards a server: the HTTP upgrade by hand, then raw
 * frames, and never a WINDOW_UPDATE.
 */
final class SpdyTestClient implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(10);

    /** The HTTP answer to the upgrade request. */
    record Response(int status, Map<String, List<String>> headers, String body) {
        String header(String name) {
            List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
            return v == null ? null : v.get(0);
        }
    }

    /** What the server sent on one stream. */
    static final class ClientStream {
        final int id;
        final boolean keep;
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final AtomicLong count = new AtomicLong();
        final CountDownLatch replied = new CountDownLatch(1);
        final CountDownLatch fin = new CountDownLatch(1);
        volatile boolean reset;
        /** When set, every byte is checked against {@link FakeSessions.Bulk#at} instead of kept. */
        volatile boolean verifyBulk;
        final AtomicLong mismatches = new AtomicLong();

        ClientStream(int id, boolean keep) {
            this.id = id;
            this.keep = keep;
        }

        synchronized String text() {
            return bytes.toString(StandardCharsets.UTF_8);
        }

        synchronized byte[] data() {
            return bytes.toByteArray();
        }

        boolean awaitFin() throws InterruptedException {
            return fin.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private final Channel channel;
    private final Response response;
    private final Map<Integer, ClientStream> streams = new ConcurrentHashMap<>();
    private final AtomicInteger nextId = new AtomicInteger(1);
    final AtomicInteger pongs = new AtomicInteger();
    final AtomicInteger windowUpdates = new AtomicInteger();
    final CountDownLatch closed = new CountDownLatch(1);

    private SpdyTestClient(Channel channel, Response response) {
        this.channel = channel;
        this.response = response;
    }

    /** Connects to {@code url} and asks for a SPDY upgrade offering {@code protocols} (in order). */
    static SpdyTestClient connect(EventLoopGroup group, String url, List<String> protocols) throws Exception {
        return connect(group, url, protocols, null);
    }

    static SpdyTestClient connect(EventLoopGroup group, String url, List<String> protocols, SslContext ssl) throws Exception {
        URI u = URI.create(url);
        StringBuilder req = new StringBuilder("POST " + u.getRawPath() + " HTTP/1.1\r\nHost: " + u.getHost() + ":" + u.getPort() + "\r\n"
                + "Connection: Upgrade\r\nUpgrade: SPDY/3.1\r\nContent-Length: 0\r\n");
        for (String p : protocols) {
            req.append("X-Stream-Protocol-Version: ").append(p).append("\r\n");
        }
        req.append("\r\n");
        Handshake hs = new Handshake();
        SpdyTestClient[] self = new SpdyTestClient[1];
        CountDownLatch ready = new CountDownLatch(1);
        Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class).handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel c) {
                if (ssl != null) {
                    c.pipeline().addLast(ssl.newHandler(c.alloc(), u.getHost(), u.getPort()));
                }
                c.pipeline().addLast("upgrade", hs);
                c.pipeline().addLast("frames", new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) throws InterruptedException {
                        ready.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                        self[0].onFrame(ctx, msg);
                    }

                    @Override
                    public void channelInactive(ChannelHandlerContext ctx) throws InterruptedException {
                        ready.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                        self[0].closed.countDown();
                        self[0].streams.values().forEach(s -> s.fin.countDown());
                    }
                });
            }
        }).connect(u.getHost(), u.getPort()).sync().channel();
        ch.writeAndFlush(Unpooled.copiedBuffer(req, StandardCharsets.US_ASCII));
        if (!hs.done.await(WAIT.toMillis(), TimeUnit.MILLISECONDS) || hs.response == null) {
            ch.close();
            throw new IllegalStateException("no upgrade response");
        }
        self[0] = new SpdyTestClient(ch, hs.response);
        ready.countDown();
        return self[0];
    }

    /** Reads the HTTP response by hand, then (on 101) puts the SPDY codec in its place. */
    private static final class Handshake extends ChannelInboundHandlerAdapter {
        final ByteArrayOutputStream buf = new ByteArrayOutputStream();
        final CountDownLatch done = new CountDownLatch(1);
        volatile Response response;
        private boolean upgraded;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            if (upgraded) {
                ctx.fireChannelRead(msg);
                return;
            }
            byte[] b = new byte[in.readableBytes()];
            in.readBytes(b);
            in.release();
            buf.writeBytes(b);
            byte[] all = buf.toByteArray();
            int end = indexOf(all, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            if (end < 0 || refusal != null) {
                return;
            }
            String[] lines = new String(all, 0, end, StandardCharsets.ISO_8859_1).split("\r\n");
            int status = Integer.parseInt(lines[0].split(" ")[1]);
            Map<String, List<String>> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.computeIfAbsent(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                        .add(lines[i].substring(colon + 1).trim());
            }
            byte[] rest = java.util.Arrays.copyOfRange(all, end + 4, all.length);
            if (status == 101) {
                upgraded = true;
                response = new Response(status, headers, "");
                ctx.pipeline().addAfter("upgrade", "spdy", new SpdyFrameCodec(SpdyVersion.SPDY_3_1));
                done.countDown();
                if (rest.length > 0) {
                    ctx.fireChannelRead(Unpooled.wrappedBuffer(rest));
                }
            } else {
                // The server closes after an error answer: the body is complete then.
                refusal = new Response(status, headers, "");
                bodyStart = end + 4;
            }
        }

        private Response refusal;
        private int bodyStart;

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (refusal != null && response == null) {
                byte[] all = buf.toByteArray();
                response = new Response(refusal.status(), refusal.headers(),
                        new String(all, bodyStart, all.length - bodyStart, StandardCharsets.UTF_8));
            }
            done.countDown();
            ctx.fireChannelInactive();
        }
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private void onFrame(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof SpdySynReplyFrame r) {
                ClientStream s = streams.get(r.streamId());
                if (s != null) {
                    s.replied.countDown();
                }
            } else if (msg instanceof SpdyDataFrame d) {
                ClientStream s = streams.get(d.streamId());
                if (s != null) {
                    int n = d.content().readableBytes();
                    if (s.verifyBulk) {
                        s.mismatches.addAndGet(FakeSessions.Bulk.mismatches(s.count.get(), io.netty.buffer.ByteBufUtil.getBytes(d.content())));
                    }
                    s.count.addAndGet(n);
                    if (s.keep && n > 0) {
                        byte[] b = new byte[n];
                        d.content().getBytes(d.content().readerIndex(), b);
                        synchronized (s) {
                            s.bytes.writeBytes(b);
                        }
                    }
                    if (d.isLast()) {
                        s.fin.countDown();
                    }
                }
            } else if (msg instanceof SpdyRstStreamFrame r) {
                ClientStream s = streams.get(r.streamId());
                if (s != null) {
                    s.reset = true;
                    s.replied.countDown();
                    s.fin.countDown();
                }
            } else if (msg instanceof SpdyPingFrame) {
                pongs.incrementAndGet();
            } else if (msg instanceof SpdyWindowUpdateFrame) {
                windowUpdates.incrementAndGet();
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    Response response() {
        return response;
    }

    /** Opens a stream with {@code headers} and waits for the server's SYN_REPLY. */
    ClientStream open(Map<String, String> headers) throws InterruptedException {
        return open(headers, true);
    }

    ClientStream open(Map<String, String> headers, boolean keepData) throws InterruptedException {
        ClientStream s = openAsync(headers, keepData);
        if (!s.replied.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("no SYN_REPLY for stream " + s.id);
        }
        return s;
    }

    /** Opens a stream without waiting for the reply. */
    ClientStream openAsync(Map<String, String> headers, boolean keepData) {
        int id = nextId.getAndAdd(2);
        ClientStream s = new ClientStream(id, keepData);
        streams.put(id, s);
        DefaultSpdySynStreamFrame syn = new DefaultSpdySynStreamFrame(id, 0, (byte) 0);
        headers.forEach((k, v) -> syn.headers().add(k, v));
        channel.writeAndFlush(syn);
        return s;
    }

    ClientStream stream(String type) throws InterruptedException {
        return open(Map.of("streamtype", type));
    }

    void send(ClientStream s, String text) {
        send(s, text.getBytes(StandardCharsets.UTF_8));
    }

    void send(ClientStream s, byte[] data) {
        channel.writeAndFlush(new DefaultSpdyDataFrame(s.id, Unpooled.wrappedBuffer(data)));
    }

    void fin(ClientStream s) {
        channel.writeAndFlush(new DefaultSpdyDataFrame(s.id).setLast(true));
    }

    void reset(ClientStream s) {
        channel.writeAndFlush(new DefaultSpdyRstStreamFrame(s.id, SpdyStreamStatus.CANCEL));
    }

    void ping(int id) {
        channel.writeAndFlush(new DefaultSpdyPingFrame(id));
    }

    void goAway() {
        channel.writeAndFlush(new DefaultSpdyGoAwayFrame(nextId.get() - 2));
    }

    Channel channel() {
        return channel;
    }

    boolean awaitClosed() throws InterruptedException {
        return closed.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(WAIT.toMillis());
    }
}
