package dev.berth.cri.streaming;

import dev.berth.core.errdefs.BerthException;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP server behind the URLs that the CRI Exec, Attach and PortForward calls return. The kubelet (or crictl)
 * connects to such a URL and upgrades to SPDY/3.1 or WebSocket, speaking the Kubernetes streaming protocols.
 *
 * <p>Threads: one small Netty event loop group does all socket I/O and protocol work; blocking work (opening
 * sessions, process stdio, pod sockets) runs on daemon worker threads that exist only while sessions need them.
 */
public final class StreamServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StreamServer.class);
    /** Two loops: streaming is I/O-light per byte, and the heavy lifting is on the workers. */
    private static final int EVENT_LOOPS = 2;
    /** Worker threads idle this long go away, so an idle server holds none. */
    private static final Duration WORKER_KEEP_ALIVE = Duration.ofSeconds(10);
    /** Output in flight per connection before writers wait: enough for full speed on loopback, little memory. */
    private static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(128 * 1024, 512 * 1024);
    private static final Duration BIND_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private final StreamTokens tokens;
    private final EventLoopGroup group;
    private final IoWorkers workers;
    private final Channel listener;
    private final Set<Channel> live;
    private final String baseUrl;
    private final AtomicBoolean closed = new AtomicBoolean();

    private StreamServer(StreamTokens tokens, EventLoopGroup group, IoWorkers workers, Channel listener, Set<Channel> live, String baseUrl) {
        this.tokens = tokens;
        this.group = group;
        this.workers = workers;
        this.listener = listener;
        this.live = live;
        this.baseUrl = baseUrl;
    }

    /**
     * Listens now.
     *
     * @throws BerthException INVALID_ARGUMENT for unusable TLS files, UNAVAILABLE when the address cannot be bound
     */
    public static StreamServer start(StreamSettings s) {
        SslContext ssl = s.tls() ? ServerTls.context(s) : null;
        StreamTokens tokens = new StreamTokens(s.tokenTtl(), s.maxPendingTokens(), System::nanoTime, new SecureRandom());
        IoWorkers workers = new IoWorkers("berth-stream-io", WORKER_KEEP_ALIVE);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(EVENT_LOOPS, new DefaultThreadFactory("berth-stream-loop", true),
                NioIoHandler.newFactory());
        Set<Channel> live = ConcurrentHashMap.newKeySet();
        try {
            ServerBootstrap b = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                    .childHandler(new ConnectionInitializer(ssl, s.idleTimeout(), s.streamCreationTimeout(), tokens, workers, live));
            InetSocketAddress at = new InetSocketAddress(s.address(), s.port());
            if (at.isUnresolved()) {
                throw BerthException.invalidArgument("%s: cannot resolve \"%s\"", StreamSettings.ADDRESS, s.address());
            }
            ChannelFuture bound = b.bind(at);
            if (!bound.awaitUninterruptibly(BIND_TIMEOUT.toMillis()) || !bound.isSuccess()) {
                throw BerthException.unavailable("streaming server cannot listen on %s:%d: %s", s.address(), s.port(),
                        bound.cause() == null ? "timed out" : bound.cause().getMessage());
            }
            InetSocketAddress local = (InetSocketAddress) bound.channel().localAddress();
            String base = (s.tls() ? "https" : "http") + "://" + urlHost(s.address()) + ":" + local.getPort();
            LOG.info("streaming server listening on {}", base);
            return new StreamServer(tokens, group, workers, bound.channel(), live, base);
        } catch (RuntimeException e) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).awaitUninterruptibly(CLOSE_TIMEOUT.toMillis());
            workers.close();
            throw e;
        }
    }

    /** IPv6 literals are bracketed in URLs; names and IPv4 stay as configured. */
    static String urlHost(String address) {
        return NetUtil.isValidIpV6Address(address) && !address.startsWith("[") ? "[" + address + "]" : address;
    }

    /**
     * The URL the CRI response carries for {@code target}, usable once within the token TTL.
     *
     * @throws BerthException RESOURCE_EXHAUSTED when max_pending_streams URLs are handed out and unused
     */
    public String register(StreamTarget target) {
        if (closed.get()) {
            throw BerthException.unavailable("the streaming server is shut down");
        }
        return baseUrl + "/" + target.pathKind() + "/" + tokens.issue(target);
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) listener.localAddress();
    }

    /** Stops listening and closes every connection, which closes every session; waits a bounded time for all of it. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        listener.close().awaitUninterruptibly(CLOSE_TIMEOUT.toMillis());
        List<Channel> open = List.copyOf(live);
        open.forEach(Channel::close);
        long deadline = System.nanoTime() + CLOSE_TIMEOUT.toNanos();
        for (Channel ch : open) {
            ch.closeFuture().awaitUninterruptibly(Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        }
        group.shutdownGracefully(0, CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).awaitUninterruptibly(CLOSE_TIMEOUT.toMillis() * 2);
        // After the loops: sessions closing because their connections closed are queued on the workers by now.
        workers.close();
    }
}
