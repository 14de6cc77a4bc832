package dev.berth.cri.registry;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.berth.core.content.Digest;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A registry speaking enough of the distribution API for pulls, on 127.0.0.1 over plain HTTP. */
final class FakeRegistry implements AutoCloseable {
    enum Auth { NONE, BEARER, BASIC }

    private static final Pattern MANIFEST = Pattern.compile("/v2/(.+)/manifests/([^/]+)");
    private static final Pattern BLOB = Pattern.compile("/v2/(.+)/blobs/([^/]+)");

    private final HttpServer server;
    private final Map<String, byte[]> manifests = new ConcurrentHashMap<>(); // "repo|ref" -> bytes
    private final Map<String, String> manifestTypes = new ConcurrentHashMap<>();
    private final Map<Digest, byte[]> blobs = new ConcurrentHashMap<>();
    /** "GET /v2/...  Range: ..." lines, in arrival order. */
    final List<String> requests = new CopyOnWriteArrayList<>();
    final List<String> tokenRequests = new CopyOnWriteArrayList<>();
    final Set<Digest> corrupt = ConcurrentHashMap.newKeySet();
    final Set<Digest> dropHalfwayOnce = ConcurrentHashMap.newKeySet();
    /** Blobs whose body pauses halfway for {@link #stallMs} (or until {@link #close()}), connection open. */
    final Set<Digest> stallHalfway = ConcurrentHashMap.newKeySet();
    volatile long stallMs = 30_000;
    /** Pause between each of 8 slices of every blob body: slow, but always moving. */
    volatile long trickleMs;
    private final java.util.concurrent.CountDownLatch closing = new java.util.concurrent.CountDownLatch(1);
    final AtomicInteger failWith503 = new AtomicInteger();
    volatile Auth auth = Auth.NONE;
    volatile String user = "";
    volatile String password = "";
    volatile String refreshToken = "";
    volatile boolean honourRange = true;
    volatile boolean sendDigestHeader = true;
    volatile long blobDelayMs;
    private final String token = "tok-" + System.nanoTime();

    FakeRegistry() throws IOException {
        this(null);
    }

    /** Over HTTPS with {@code tls} when it is not null. */
    FakeRegistry(javax.net.ssl.SSLContext tls) throws IOException {
        this(tls, false);
    }

    /** Over HTTPS with {@code tls}, refusing clients without a certificate {@code tls} trusts when {@code needClientAuth}. */
    FakeRegistry(javax.net.ssl.SSLContext tls, boolean needClientAuth) throws IOException {
        if (tls == null) {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } else {
            com.sun.net.httpserver.HttpsServer https = com.sun.net.httpserver.HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            https.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(tls) {
                @Override
                public void configure(com.sun.net.httpserver.HttpsParameters params) {
                    javax.net.ssl.SSLParameters p = getSSLContext().getDefaultSSLParameters();
                    p.setNeedClientAuth(needClientAuth);
                    params.setSSLParameters(p);
                }
            });
            server = https;
        }
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fake-registry");
            t.setDaemon(true);
            return t;
        }));
        server.start();
    }

    String host() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    String url() {
        return (server instanceof com.sun.net.httpserver.HttpsServer ? "https://" : "http://") + host();
    }

    void putManifest(String repo, String ref, String mediaType, byte[] bytes) {
        manifests.put(repo + "|" + ref, bytes);
        manifestTypes.put(repo + "|" + ref, mediaType);
        Digest d = Digest.sha256(bytes);
        manifests.put(repo + "|" + d, bytes);
        manifestTypes.put(repo + "|" + d, mediaType);
    }

    void putBlob(byte[] bytes) {
        blobs.put(Digest.sha256(bytes), bytes);
    }

    void putImage(String repo, String tag, TestImage image) {
        putManifest(repo, tag, image.topMediaType(), image.top());
        image.manifests().forEach((d, b) -> putManifest(repo, d.toString(), MediaTypes.OCI_MANIFEST, b));
        image.blobs().forEach((d, b) -> blobs.put(d, b));
    }

    void removeBlob(Digest d) {
        blobs.remove(d);
    }

    long blobGets(Digest d) {
        return requests.stream().filter(r -> r.startsWith("GET") && r.contains("/blobs/" + d)).count();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String range = ex.getRequestHeaders().getFirst("Range");
            requests.add(ex.getRequestMethod() + " " + ex.getRequestURI() + (range == null ? "" : " Range: " + range));
            if (path.equals("/token")) {
                token(ex);
                return;
            }
            if (!authorized(ex)) {
                return;
            }
            if (failWith503.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                send(ex, 503, "text/plain", "busy".getBytes(StandardCharsets.UTF_8));
                return;
            }
            Matcher m = MANIFEST.matcher(path);
            if (m.matches()) {
                String key = m.group(1) + "|" + m.group(2);
                byte[] b = manifests.get(key);
                if (b == null) {
                    send(ex, 404, "application/json", "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\"}]}".getBytes(StandardCharsets.UTF_8));
                    return;
                }
                if (sendDigestHeader) {
                    ex.getResponseHeaders().add("Docker-Content-Digest", Digest.sha256(b).toString());
                }
                send(ex, 200, manifestTypes.get(key), b);
                return;
            }
            m = BLOB.matcher(path);
            if (m.matches()) {
                blob(ex, Digest.parse(m.group(2)), range);
                return;
            }
            send(ex, 404, "text/plain", new byte[0]);
        }
    }

    private void blob(HttpExchange ex, Digest d, String range) throws IOException {
        byte[] b = blobs.get(d);
        if (b == null) {
            send(ex, 404, "application/json", "{\"errors\":[{\"code\":\"BLOB_UNKNOWN\"}]}".getBytes(StandardCharsets.UTF_8));
            return;
        }
        if (blobDelayMs > 0) {
            try {
                Thread.sleep(blobDelayMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (corrupt.contains(d)) {
            b = b.clone();
            b[b.length / 2] ^= 0x5a;
        }
        ex.getResponseHeaders().add("Content-Type", "application/octet-stream");
        if (range != null && honourRange && range.startsWith("bytes=")) {
            int from = Integer.parseInt(range.substring(6, range.indexOf('-')));
            ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (b.length - 1) + "/" + b.length);
            ex.sendResponseHeaders(206, b.length - from);
            ex.getResponseBody().write(b, from, b.length - from);
            return;
        }
        if (stallHalfway.contains(d) || trickleMs > 0) {
            ex.sendResponseHeaders(200, b.length);
            OutputStream out = ex.getResponseBody();
            int slices = stallHalfway.contains(d) ? 2 : 8;
            for (int i = 0; i < slices; i++) {
                if (i > 0 && pause(slices == 2 ? stallMs : trickleMs)) {
                    return;
                }
                out.write(b, b.length * i / slices, b.length * (i + 1) / slices - b.length * i / slices);
                out.flush();
            }
            return;
        }
        if (dropHalfwayOnce.remove(d)) {
            ex.sendResponseHeaders(200, b.length);
            OutputStream out = ex.getResponseBody();
            out.write(b, 0, b.length / 2);
            out.flush();
            // closing the exchange short of Content-Length drops the connection
            throw new IOException("dropping the connection halfway on purpose");
        }
        send(ex, 200, "application/octet-stream", b);
    }

    /** @return true when the registry is closing meanwhile */
    private boolean pause(long ms) {
        try {
            return closing.await(ms, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    private boolean authorized(HttpExchange ex) throws IOException {
        String h = ex.getRequestHeaders().getFirst("Authorization");
        switch (auth) {
            case NONE:
                return true;
            case BASIC:
                if (h != null && h.equals(basic(user, password))) {
                    return true;
                }
                ex.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"fake\"");
                send(ex, 401, "application/json", "{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}".getBytes(StandardCharsets.UTF_8));
                return false;
            default:
                if (h != null && h.equals("Bearer " + token)) {
                    return true;
                }
                String repo = ex.getRequestURI().getPath().replaceFirst("^/v2/", "").replaceFirst("/(manifests|blobs)/.*$", "");
                ex.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"" + url() + "/token\",service=\"fake-registry\","
                        + "scope=\"repository:" + repo + ":pull\"");
                send(ex, 401, "application/json", "{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}".getBytes(StandardCharsets.UTF_8));
                return false;
        }
    }

    private void token(HttpExchange ex) throws IOException {
        String query = ex.getRequestURI().getRawQuery();
        if (ex.getRequestMethod().equals("POST")) {
            String form = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            tokenRequests.add("POST " + URLDecoder.decode(form, StandardCharsets.UTF_8));
            if (!form.contains("grant_type=refresh_token") || refreshToken.isEmpty()
                    || !form.contains("refresh_token=" + refreshToken)) {
                send(ex, 401, "application/json", "{}".getBytes(StandardCharsets.UTF_8));
                return;
            }
            send(ex, 200, "application/json", ("{\"access_token\":\"" + token + "\",\"expires_in\":300}").getBytes(StandardCharsets.UTF_8));
            return;
        }
        tokenRequests.add("GET " + URLDecoder.decode(query == null ? "" : query, StandardCharsets.UTF_8));
        if (!user.isEmpty()) {
            String h = ex.getRequestHeaders().getFirst("Authorization");
            if (h == null || !h.equals(basic(user, password))) {
                send(ex, 401, "application/json", "{}".getBytes(StandardCharsets.UTF_8));
                return;
            }
        }
        send(ex, 200, "application/json", ("{\"token\":\"" + token + "\",\"expires_in\":300}").getBytes(StandardCharsets.UTF_8));
    }

    static String basic(String u, String p) {
        return "Basic " + Base64.getEncoder().encodeToString((u + ":" + p).getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        if (type != null) {
            ex.getResponseHeaders().add("Content-Type", type);
        }
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            ex.getResponseBody().write(body);
        }
    }

    @Override
    public void close() {
        closing.countDown();
        server.stop(0);
    }
}
