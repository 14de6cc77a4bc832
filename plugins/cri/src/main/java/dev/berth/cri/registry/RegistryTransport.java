package dev.berth.cri.registry;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP to registry endpoints: one client per TLS setting, authentication on challenge, redirects (dropping the
 * credentials when they lead to another host), and plain-HTTP fallback for loopback registries.
 */
final class RegistryTransport {
    private static final Logger LOG = LoggerFactory.getLogger(RegistryTransport.class);
    private static final int MAX_REDIRECTS = 10;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);
    /** Until the response headers arrive, unless the progress timeout is shorter; body reads are not limited by it. */
    private static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(60);
    private static final String USER_AGENT = "berth/0.1";

    /** Key of the plain-HTTP client in {@link #clients}; TLS clients are keyed "skipVerify|caFile|certFile|keyFile". */
    private static final String PLAIN = "plain-http";

    private final Map<String, HttpClient> clients = new ConcurrentHashMap<>();
    /** Authorities of loopback endpoints that turned out to speak plain HTTP. */
    private final Set<String> plainHttp = ConcurrentHashMap.newKeySet();
    private final RegistryAuthorizer authorizer;
    private final ProgressTimeout progress;
    /** How long to wait for response headers. */
    private final Duration responseTimeout;

    RegistryTransport(Clock clock, ProgressTimeout progress) {
        this.authorizer = new RegistryAuthorizer(this::sendToken, clock);
        this.progress = progress;
        this.responseTimeout = progressBoundsHeaders() ? progress.timeout() : RESPONSE_TIMEOUT;
    }

    /** Waiting for headers is a transfer without progress too: a shorter progress timeout bounds it. */
    private boolean progressBoundsHeaders() {
        return progress.enabled() && progress.timeout().compareTo(RESPONSE_TIMEOUT) < 0;
    }

    /**
     * GETs {@code uri} (under the endpoint), answering an auth challenge once. The caller closes the body.
     *
     * @throws BerthException PERMISSION_DENIED when the registry refuses (naming the auth method tried)
     * @throws IOException    on connection failures, worth retrying
     */
    HttpResponse<InputStream> get(RegistryEndpoint ep, String rest, String scope, Map<String, String> headers)
            throws IOException, InterruptedException {
        URI uri = ep.resolve(rest);
        RegistryAuthorizer.Authorization auth = authorizer.cached(ep, scope);
        HttpResponse<InputStream> resp = exchange(ep, uri, headers, auth);
        if (resp.statusCode() == 401) {
            List<AuthChallenge> challenges = AuthChallenge.parse(resp.headers().allValues("WWW-Authenticate"));
            close(resp);
            if (auth != null) {
                authorizer.invalidate(ep, scope);
            }
            auth = authorizer.authorize(ep, scope, challenges);
            resp = exchange(ep, uri, headers, auth);
            if (resp.statusCode() == 401 || resp.statusCode() == 403) {
                close(resp);
                authorizer.invalidate(ep, scope);
                throw new BerthException(ErrorKind.PERMISSION_DENIED, String.format(
                        "registry %s (%s) refused access to %s with %s auth: HTTP %d", ep.registry(), ep.base(), scope,
                        auth.method(), resp.statusCode()));
            }
        } else if (resp.statusCode() == 403) {
            close(resp);
            throw new BerthException(ErrorKind.PERMISSION_DENIED, String.format(
                    "registry %s (%s) refused access to %s with %s auth: HTTP 403", ep.registry(), ep.base(), scope,
                    auth == null ? "anonymous" : auth.method()));
        }
        return resp;
    }

    private HttpResponse<InputStream> exchange(RegistryEndpoint ep, URI uri, Map<String, String> headers,
                                               RegistryAuthorizer.Authorization auth) throws IOException, InterruptedException {
        String origin = ep.authority();
        URI current = uri;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            boolean sameHost = Objects.equals(current.getRawAuthority(), origin);
            HttpRequest.Builder b = HttpRequest.newBuilder(sameHost ? effective(current) : current)
                    .timeout(responseTimeout).header("User-Agent", USER_AGENT).GET();
            headers.forEach(b::header);
            if (auth != null && sameHost) { // never hand registry credentials to a blob store we are redirected to
                b.header("Authorization", auth.header());
            }
            HttpResponse<InputStream> resp = send(ep, b.build(), HttpResponse.BodyHandlers.ofInputStream(), sameHost);
            int s = resp.statusCode();
            if (s == 301 || s == 302 || s == 303 || s == 307 || s == 308) {
                String location = resp.headers().firstValue("Location").orElse(null);
                close(resp);
                if (location == null) {
                    throw new IOException("redirect without Location from " + current);
                }
                current = resp.uri().resolve(location);
                continue;
            }
            return resp;
        }
        throw new IOException("more than " + MAX_REDIRECTS + " redirects from " + uri);
    }

    /** Sends, switching a loopback endpoint to plain HTTP once when TLS (or the connection) fails. */
    private <T> HttpResponse<T> send(RegistryEndpoint ep, HttpRequest req, HttpResponse.BodyHandler<T> handler,
                                     boolean sameHost) throws IOException, InterruptedException {
        HttpClient client = "http".equals(req.uri().getScheme()) ? plainClient()
                : client(sameHost ? ep.settings() : RegistryConfig.Host.DEFAULT);
        try {
            return client.send(req, handler);
        } catch (IOException e) {
            URI u = req.uri();
            String alert = sameHost && "https".equals(u.getScheme()) ? clientCertificateAlert(e) : null;
            if (alert != null) { // the server speaks TLS and refused us: neither plain HTTP nor a retry helps
                RegistryConfig.Host s = ep.settings();
                throw new BerthException(ErrorKind.PERMISSION_DENIED, s.hasClientCertificate()
                        ? String.format("registry %s (%s) refused the TLS handshake (%s): it did not accept the client certificate"
                                + " cert_file %s", ep.registry(), ep.base(), alert, s.certFile())
                        : String.format("registry %s (%s) refused the TLS handshake (%s): it requires a client certificate;"
                                + " set registry.hosts.\"%s\".cert_file and key_file", ep.registry(), ep.base(), alert,
                                ep.mirror() ? ep.authority() : ep.registry()), e);
            }
            if (sameHost && ep.httpFallback() && "https".equals(u.getScheme())) {
                LOG.debug("TLS to loopback registry {} failed ({}); trying plain HTTP", ep.authority(), e.toString());
                URI http = withScheme(u, "http");
                HttpResponse<T> resp;
                try {
                    resp = plainClient().send(copy(req, http), handler);
                } catch (IOException plain) {
                    throw withoutResponse(http, plain);
                }
                plainHttp.add(ep.authority());
                return resp;
            }
            throw withoutResponse(u, e);
        }
    }

    /**
     * {@code e}, unless it is the response timeout that the progress timeout set: then the pull is over, as the
     * DEADLINE_EXCEEDED this throws says.
     */
    private IOException withoutResponse(URI u, IOException e) {
        if (e instanceof HttpTimeoutException && !(e instanceof HttpConnectTimeoutException) && progressBoundsHeaders()) {
            BerthException stalled = progress.stalled(u.toString(), "response");
            stalled.addSuppressed(e);
            throw stalled;
        }
        return e;
    }

    /** The TLS alert in {@code e}'s causes by which a server refuses a missing or unaccepted client certificate, or null. */
    static String clientCertificateAlert(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = t.getMessage();
            if (t instanceof javax.net.ssl.SSLException && m != null) {
                for (String a : new String[] {"certificate_required", "bad_certificate", "unknown_ca", "certificate_unknown",
                        "access_denied", "certificate_expired", "certificate_revoked", "unsupported_certificate"}) {
                    if (m.contains("Received fatal alert: " + a)) {
                        return a;
                    }
                }
            }
        }
        return null;
    }

    private HttpResponse<byte[]> sendToken(RegistryEndpoint ep, HttpRequest req) throws IOException, InterruptedException {
        boolean sameHost = Objects.equals(req.uri().getRawAuthority(), ep.authority());
        HttpRequest r = sameHost ? copy(req, effective(req.uri())) : req;
        return send(ep, r, HttpResponse.BodyHandlers.ofByteArray(), sameHost);
    }

    private URI effective(URI u) {
        return "https".equals(u.getScheme()) && plainHttp.contains(u.getRawAuthority()) ? withScheme(u, "http") : u;
    }

    private static URI withScheme(URI u, String scheme) {
        return URI.create(scheme + u.toString().substring(u.getScheme().length()));
    }

    private static HttpRequest copy(HttpRequest req, URI uri) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri);
        req.headers().map().forEach((k, vs) -> vs.forEach(v -> b.header(k, v)));
        req.timeout().ifPresent(b::timeout);
        b.method(req.method(), req.bodyPublisher().orElse(HttpRequest.BodyPublishers.noBody()));
        return b.build();
    }

    /** The client for {@code http://} requests: no TLS settings apply, so it never sets up TLS. */
    private HttpClient plainClient() {
        return clients.computeIfAbsent(PLAIN, k -> HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER)
                .sslContext(TlsContexts.plainHttpOnly())
                .sslParameters(TlsContexts.plainHttpOnlyParameters())
                .build());
    }

    private HttpClient client(RegistryConfig.Host settings) {
        String key = settings.skipVerify() + "|" + settings.caFile() + "|" + settings.certFile() + "|" + settings.keyFile();
        return clients.computeIfAbsent(key, k -> HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER)
                .sslContext(TlsContexts.create(settings.skipVerify(), settings.caFile(), settings.certFile(), settings.keyFile()))
                .build());
    }

    static void close(HttpResponse<InputStream> resp) {
        try {
            resp.body().close();
        } catch (IOException ignored) {
            // nothing to do: the connection is dropped
        }
    }
}
