package dev.berth.cli.streaming;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Port-forward's local side: a listener on 127.0.0.1 per mapping, and for every connection accepted there a
 * {@link ForwardedConnection} of its own, since a port-forward stream carries one TCP connection per port. Runs until
 * closed, or until the target is gone.
 */
public final class PortForwarder implements AutoCloseable {
    /** Connections forwarded at once, over all mappings; more are refused so a flood cannot exhaust threads. */
    static final int MAX_CONNECTIONS = 128;

    /** Gets a fresh streaming URL (a CRI PortForward call) for one connection to {@code remotePort}. */
    @FunctionalInterface
    public interface UrlSource {
        String next(int remotePort) throws Exception;
    }

    /** What happens to each connection, for the user. */
    public interface Reporter {
        /** A local connection came and is being forwarded. */
        void handling(Listening listening);

        /** Forwarding one connection failed; the others go on. */
        void failed(Listening listening, Throwable cause);
    }

    /** Thrown by a {@link UrlSource} when the pod no longer exists: forwarding stops. */
    public static final class TargetGone extends Exception {
        public TargetGone(Throwable cause) {
            super(cause.getMessage(), cause);
        }
    }

    /** A bound listener: the mapping with the port the listener actually got. */
    public record Listening(PortMapping mapping, int localPort) {
    }

    private final HttpClient http;
    private final UrlSource urls;
    private final Duration timeout;
    private final Reporter reporter;
    private final List<ServerSocket> servers = new ArrayList<>();
    private final Semaphore slots = new Semaphore(MAX_CONNECTIONS);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicReference<Exception> fatal = new AtomicReference<>();

    public PortForwarder(HttpClient http, UrlSource urls, Duration timeout, Reporter reporter) {
        this.http = http;
        this.urls = urls;
        this.timeout = timeout;
        this.reporter = reporter;
    }

    /** Binds a listener for every mapping (all or none). */
    public List<Listening> listen(List<PortMapping> mappings) throws IOException {
        List<Listening> bound = new ArrayList<>();
        try {
            for (PortMapping m : mappings) {
                ServerSocket s = new ServerSocket();
                servers.add(s);
                try {
                    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), m.local()));
                } catch (IOException e) {
                    throw new IOException("cannot listen on 127.0.0.1:" + m.local() + ": " + e.getMessage(), e);
                }
                bound.add(new Listening(m, s.getLocalPort()));
            }
        } catch (IOException e) {
            close();
            throw e;
        }
        return bound;
    }

    /** Accepts and forwards connections until {@link #close()}; throws what stopped it otherwise. */
    public void serve(List<Listening> listening) throws Exception {
        for (int i = 0; i < listening.size(); i++) {
            ServerSocket server = servers.get(i);
            Listening l = listening.get(i);
            Thread t = new Thread(() -> accept(server, l), "berthctl-forward-" + l.localPort());
            t.setDaemon(true);
            t.start();
        }
        stopped.await(); // until the user stops berthctl (Ctrl-C) or the pod is gone
        Exception e = fatal.get();
        if (e != null) {
            throw e;
        }
    }

    private void accept(ServerSocket server, Listening l) {
        while (!server.isClosed()) {
            Socket local;
            try {
                local = server.accept();
            } catch (IOException e) {
                if (!server.isClosed()) {
                    reporter.failed(l, e);
                    stop(e);
                }
                return;
            }
            if (!slots.tryAcquire()) {
                reporter.failed(l, new IOException("refused a connection: " + MAX_CONNECTIONS + " are open already"));
                closeQuietly(local);
                continue;
            }
            reporter.handling(l);
            ForwardedConnection c = new ForwardedConnection(local, l, urls, http, timeout, reporter, this::stop);
            Thread t = new Thread(() -> {
                try {
                    c.run();
                } finally {
                    slots.release();
                }
            }, "berthctl-forward-conn");
            t.setDaemon(true);
            t.start();
        }
    }

    private void stop(Exception why) {
        fatal.compareAndSet(null, why);
        close();
    }

    /** Closes the listeners; connections already forwarded end on their own. */
    @Override
    public void close() {
        servers.forEach(PortForwarder::closeQuietly);
        stopped.countDown();
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // closing anyway
        }
    }
}
