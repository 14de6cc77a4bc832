package dev.berth.itest.registry;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on {@code 127.0.0.1:<free port>} in front of a registry that passes requests unchanged and answers at
 * most {@code bytesPerSecond} per connection, so that a pull over loopback lasts long enough to be interrupted
 * mid-download. When the registry dies, open connections are dropped and new ones are closed at once (as a client
 * sees a dead server); when it is back on the same port, new connections work again. {@link #stall} holds every
 * answer back mid-stream with the connections left open, as a registry that hangs does.
 */
public final class ThrottledProxy implements AutoCloseable {
    private static final int CHUNK = 16 * 1024;
    /** The longest a stall holds an answer back, so that a forgotten {@link #stall} cannot hang a pump for ever. */
    private static final long MAX_STALL_NANOS = java.util.concurrent.TimeUnit.MINUTES.toNanos(5);

    private final ServerSocket server;
    private final int upstreamPort;
    private final long bytesPerSecond;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final AtomicLong responseBytes = new AtomicLong();
    private final Thread acceptor;
    private volatile boolean closed;
    private volatile boolean stalled;

    private ThrottledProxy(ServerSocket server, int upstreamPort, long bytesPerSecond) {
        this.server = server;
        this.upstreamPort = upstreamPort;
        this.bytesPerSecond = bytesPerSecond;
        this.acceptor = new Thread(this::acceptLoop, "itest-proxy-accept-" + server.getLocalPort());
        this.acceptor.setDaemon(true);
    }

    /** Proxies to {@code 127.0.0.1:upstreamPort}, answers throttled to {@code bytesPerSecond} per connection. */
    public static ThrottledProxy start(int upstreamPort, long bytesPerSecond) throws IOException {
        ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        ThrottledProxy p = new ThrottledProxy(s, upstreamPort, bytesPerSecond);
        p.acceptor.start();
        return p;
    }

    /** {@code 127.0.0.1:<port>}: the registry host clients use. */
    public String host() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    /**
     * While {@code on}, answers stop flowing (open connections stay open, their pending bytes held back); turned off,
     * they flow again. A stall ends by itself after five minutes at most.
     */
    public void stall(boolean on) {
        stalled = on;
    }

    /** Bytes sent to clients so far. */
    public long responseBytes() {
        return responseBytes.get();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            open.add(client);
            Socket upstream = new Socket();
            try {
                upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), upstreamPort), 5_000);
            } catch (IOException e) {
                closeQuietly(upstream);
                abort(client); // the registry is down: the client sees its connection reset
                continue;
            }
            open.add(upstream);
            pump(client, upstream, 0, "up");
            pump(upstream, client, bytesPerSecond, "down");
        }
    }

    private void pump(Socket from, Socket to, long rate, String direction) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[CHUNK];
            long start = System.nanoTime();
            long sent = 0;
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    if (rate > 0) {
                        holdWhileStalled();
                    }
                    out.write(buf, 0, n);
                    out.flush();
                    sent += n;
                    if (rate > 0) {
                        responseBytes.addAndGet(n);
                        long due = start + sent * 1_000_000_000L / rate;
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                        }
                    }
                }
            } catch (IOException | InterruptedException e) {
                // one side went away: drop both below
            } finally {
                // a dead registry mid-answer must look like a dropped connection, not a clean end of the response
                abort(to);
                abort(from);
            }
        }, "itest-proxy-" + direction + "-" + from.getPort());
        t.setDaemon(true);
        t.start();
    }

    private void holdWhileStalled() throws InterruptedException {
        long until = System.nanoTime() + MAX_STALL_NANOS;
        while (stalled && !closed && System.nanoTime() - until < 0) {
            Thread.sleep(20);
        }
    }

    private void abort(Socket s) {
        try {
            if (!s.isClosed()) {
                s.setSoLinger(true, 0); // RST
            }
        } catch (IOException ignored) {
            // closing anyway
        }
        closeQuietly(s);
        open.remove(s);
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // nothing to do
        }
        open.forEach(this::abort);
        try {
            acceptor.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "ThrottledProxy[" + host() + " -> 127.0.0.1:" + upstreamPort + ", " + bytesPerSecond + " B/s]";
    }
}
