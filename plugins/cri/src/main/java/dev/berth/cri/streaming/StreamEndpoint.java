package dev.berth.cri.streaming;

import dev.berth.core.errdefs.BerthException;

/**
 * The streaming server as the CRI service sees it: started by the first Exec, Attach or PortForward rather than with
 * the daemon. Most nodes stream rarely (probes use ExecSync), and the server costs start-up time and memory: a
 * Netty of its own, event loops and, with TLS, a certificate. Its settings are checked when the daemon starts
 * ({@link StreamSettings#from}); only binding the port waits, so a port already taken is reported to the first
 * streaming call (UNAVAILABLE, naming the address) and retried on the next one.
 */
public final class StreamEndpoint implements AutoCloseable {
    private final StreamSettings settings;
    private StreamServer server;
    private boolean closed;

    public StreamEndpoint(StreamSettings settings) {
        this.settings = settings;
    }

    /**
     * The URL for {@code target}, starting the server first if it is not running.
     *
     * @throws BerthException UNAVAILABLE when the server cannot listen or is shut down; see
     *                        {@link StreamServer#register}
     */
    public String register(StreamTarget target) {
        return server().register(target);
    }

    private synchronized StreamServer server() {
        if (closed) {
            throw BerthException.unavailable("the streaming server is shut down");
        }
        if (server == null) {
            server = StreamServer.start(settings);
        }
        return server;
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (server != null) {
            server.close();
        }
    }
}
