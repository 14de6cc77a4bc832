package dev.berth.core.client;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A gRPC client channel to a CRI socket (berthd, containerd or CRI-O alike), closing its own event loop. */
public final class UnixSocketChannel implements AutoCloseable {
    private final EventLoopGroup loop;
    private final ManagedChannel channel;

    public UnixSocketChannel(Path socket, int maxInboundMessageSize) {
        this.loop = new EpollEventLoopGroup(1);
        this.channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollDomainSocketChannel.class)
                .eventLoopGroup(loop)
                .overrideAuthority("localhost")
                .maxInboundMessageSize(maxInboundMessageSize)
                .usePlaintext()
                .build();
    }

    public UnixSocketChannel(Path socket) {
        this(socket, 16 << 20);
    }

    /** Accepts {@code unix:///path}, {@code unix:/path} or a plain path, as crictl's endpoints do. */
    public static Path parseEndpoint(String endpoint) {
        String p = endpoint.startsWith("unix://") ? endpoint.substring("unix://".length())
                : endpoint.startsWith("unix:") ? endpoint.substring("unix:".length()) : endpoint;
        return Path.of(p);
    }

    public ManagedChannel channel() {
        return channel;
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        loop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
    }
}
