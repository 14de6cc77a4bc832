package dev.berth.itest.registry;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A registry on 127.0.0.1 that misbehaves on purpose: each path answers with fixed bytes, a body of a given size, or
 * a body that never ends (up to {@link #ENDLESS_CAP}, so the test stays bounded). It counts the bytes it managed to
 * send per path, which shows whether the client stopped reading in time.
 */
public final class HostileRegistry implements AutoCloseable {
    /** What an "endless" body sends at most before giving up. */
    public static final long ENDLESS_CAP = 1L << 30;
    private static final byte[] FILL = "0123456789abcdef".repeat(4096).getBytes(StandardCharsets.US_ASCII);

    private final HttpServer server;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "hostile-registry");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, Answer> answers = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> sent = new ConcurrentHashMap<>();

    private record Answer(String contentType, byte[] bytes, long fillerLength, boolean declareLength) {
    }

    private HostileRegistry(HttpServer server) {
        this.server = server;
    }

    public static HostileRegistry start() throws IOException {
        HostileRegistry r = new HostileRegistry(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16));
        r.server.createContext("/", r::handle);
        r.server.setExecutor(r.pool);
        r.server.start();
        return r;
    }

    public String host() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    /** {@code path} answers 200 with exactly {@code bytes}. */
    public HostileRegistry serve(String path, String contentType, byte[] bytes) {
        answers.put(path, new Answer(contentType, bytes, 0, true));
        return this;
    }

    /** {@code path} answers 200 with {@code length} filler bytes; with a Content-Length header or chunked. */
    public HostileRegistry serveFiller(String path, String contentType, long length, boolean declareLength) {
        answers.put(path, new Answer(contentType, new byte[0], length, declareLength));
        return this;
    }

    /** {@code path} answers 200 with a chunked body that does not end (before {@link #ENDLESS_CAP}). */
    public HostileRegistry serveEndless(String path, String contentType) {
        return serveFiller(path, contentType, ENDLESS_CAP, false);
    }

    /** Body bytes written for {@code path} before the client stopped reading (or the body ended). */
    public long sent(String path) {
        AtomicLong n = sent.get(path);
        return n == null ? 0 : n.get();
    }

    private void handle(HttpExchange x) throws IOException {
        String path = x.getRequestURI().getPath();
        try {
            if (path.equals("/v2/") || path.equals("/v2")) {
                x.sendResponseHeaders(200, -1);
                return;
            }
            Answer a = answers.get(path);
            if (a == null) {
                x.sendResponseHeaders(404, -1);
                return;
            }
            x.getResponseHeaders().set("Content-Type", a.contentType());
            long total = a.bytes().length + a.fillerLength();
            boolean head = x.getRequestMethod().equals("HEAD");
            x.sendResponseHeaders(200, head ? -1 : a.declareLength() ? total : 0);
            if (head) {
                return;
            }
            AtomicLong count = sent.computeIfAbsent(path, k -> new AtomicLong());
            OutputStream out = x.getResponseBody();
            out.write(a.bytes());
            count.addAndGet(a.bytes().length);
            for (long left = a.fillerLength(); left > 0; ) {
                int n = (int) Math.min(FILL.length, left);
                out.write(FILL, 0, n);
                count.addAndGet(n);
                left -= n;
            }
        } catch (IOException e) {
            // the client hung up: what these tests want it to do
        } finally {
            x.close();
        }
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}
