package dev.berth.cri.streaming;

import dev.berth.core.errdefs.BerthException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/** A TCP server in the "pod": greets each connection with a fixed text, then echoes until the client half-closes. */
final class EchoServer implements AutoCloseable {
    private final ServerSocketChannel server;
    private final String greeting;
    private final Thread acceptor;
    private final List<SocketChannel> open = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    final AtomicInteger accepted = new AtomicInteger();
    final AtomicInteger finished = new AtomicInteger();

    private final boolean oneShot;

    EchoServer(String greeting) throws IOException {
        this(greeting, false);
    }

    /** @param oneShot close each connection right after the greeting, like a server that answers and hangs up */
    EchoServer(String greeting, boolean oneShot) throws IOException {
        this.greeting = greeting;
        this.oneShot = oneShot;
        this.server = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        this.acceptor = new Thread(this::accept, "echo-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() throws IOException {
        return ((InetSocketAddress) server.getLocalAddress()).getPort();
    }

    private void accept() {
        try {
            for (;;) {
                SocketChannel s = server.accept();
                accepted.incrementAndGet();
                open.add(s);
                Thread t = new Thread(() -> echo(s), "echo");
                t.setDaemon(true);
                threads.add(t);
                t.start();
            }
        } catch (IOException e) {
            // closed
        }
    }

    private void echo(SocketChannel s) {
        try (s) {
            s.write(ByteBuffer.wrap(greeting.getBytes(StandardCharsets.UTF_8)));
            if (oneShot) {
                finished.incrementAndGet();
                return;
            }
            ByteBuffer b = ByteBuffer.allocate(16 * 1024);
            while (s.read(b) >= 0) {
                b.flip();
                while (b.hasRemaining()) {
                    s.write(b);
                }
                b.clear();
            }
            s.shutdownOutput();
            finished.incrementAndGet();
        } catch (IOException e) {
            // the forwarder went away
        } finally {
            open.remove(s);
        }
    }

    /** A dial function mapping pod ports to servers; other ports refuse like a closed port. */
    static IntFunction<SocketChannel> dialer(Map<Integer, EchoServer> byPort) {
        return port -> {
            EchoServer e = byPort.get(port);
            if (e == null) {
                throw BerthException.unavailable("dial tcp 127.0.0.1:%d: connect: connection refused", port);
            }
            try {
                return SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), e.port()));
            } catch (IOException x) {
                throw BerthException.unavailable("dial %d: %s", port, x);
            }
        };
    }

    int openConnections() {
        return open.size();
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (SocketChannel s : open) {
            s.close();
        }
        try {
            acceptor.join(5000);
            for (Thread t : threads) {
                t.join(5000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
