package dev.berth.core.daemon;

/**
 * Start-up is part of the product: while the main thread parses arguments and config (single-threaded work),
 * a second core loads and initialises the classes the server needs next (netty's epoll transport, gRPC's
 * server, the protobuf descriptors). Nothing here has effects beyond class initialisation, and failures are
 * ignored: the main thread loads the same classes anyway.
 */
final class Warmup {
    private static final String[] CLASSES = {
        "io.grpc.netty.shaded.io.netty.channel.epoll.Epoll",
        "io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup",
        "io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel",
        "io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder",
        "io.grpc.netty.shaded.io.grpc.netty.NettyServer",
        "io.grpc.netty.shaded.io.grpc.netty.NettyServerHandler",
        "io.grpc.internal.ServerImpl",
        "dev.berth.api.cri.v1.CriApiProto",
        "dev.berth.api.cri.v1.RuntimeServiceGrpc",
        "dev.berth.api.cri.v1.ImageServiceGrpc",
        "dev.berth.api.admin.v1.AdminGrpc",
    };

    private Warmup() {
    }

    static void start() {
        Thread t = new Thread(Warmup::run, "berth-warmup");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
    }

    private static void run() {
        ClassLoader cl = Warmup.class.getClassLoader();
        for (String name : CLASSES) {
            try {
                Class.forName(name, true, cl);
            } catch (Throwable ignored) {
                // only a head start; the daemon reports real failures when it uses the class
            }
        }
    }
}
