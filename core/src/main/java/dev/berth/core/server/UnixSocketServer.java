package dev.berth.core.server;

import dev.berth.core.daemon.DaemonConfig;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The gRPC server on the daemon's unix socket (netty epoll). */
public final class UnixSocketServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(UnixSocketServer.class);

    private final Path socket;
    private final Server server;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;

    private UnixSocketServer(Path socket, Server server, EventLoopGroup boss, EventLoopGroup workers) {
        this.socket = socket;
        this.server = server;
        this.boss = boss;
        this.workers = workers;
    }

    /**
     * Checks, before anything starts, that the socket can be served: its directory is made, a stale socket removed,
     * and a daemon live on it refused. {@link #start} checks again when it binds.
     *
     * @throws IOException naming the socket when another daemon serves on it, or the path is not a socket
     */
    public static void claim(Path socket) throws IOException {
        SocketPath.prepare(socket);
    }

    /**
     * Binds the socket and starts serving.
     *
     * @throws IOException when the socket cannot be bound, including when another daemon is live on it
     */
    public static UnixSocketServer start(DaemonConfig.Grpc config, List<ServerServiceDefinition> services) throws IOException {
        Path socket = config.address();
        SocketPath.prepare(socket);
        EventLoopGroup boss = new EpollEventLoopGroup(1);
        EventLoopGroup workers = new EpollEventLoopGroup(2);
        NettyServerBuilder b = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollServerDomainSocketChannel.class)
                .bossEventLoopGroup(boss)
                .workerEventLoopGroup(workers)
                .maxInboundMessageSize(config.maxRecvMessageSize());
        MaxSendSizeInterceptor sendLimit = new MaxSendSizeInterceptor(config.maxSendMessageSize());
        for (ServerServiceDefinition s : services) {
            b.addService(ServerInterceptors.intercept(s, sendLimit));
        }
        Server server = b.build();
        try {
            server.start();
            SocketPath.restrict(socket, config.uid(), config.gid());
        } catch (IOException | RuntimeException e) {
            server.shutdownNow();
            boss.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw new IOException("cannot serve on " + socket + ": " + e.getMessage(), e);
        }
        return new UnixSocketServer(socket, server, boss, workers);
    }

    public Path socket() {
        return socket;
    }

    /** Stops accepting calls, lets in-flight ones finish for up to {@code grace}, then cancels the rest and removes the socket. */
    public void stop(Duration grace) {
        server.shutdown();
        try {
            if (!server.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("in-flight calls still running after {} s; cancelling them", grace.toSeconds());
                server.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.shutdownNow();
        }
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            LOG.warn("cannot remove socket {}", socket, e);
        }
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(10));
    }
}
