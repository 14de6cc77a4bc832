package dev.berth.cri.registry;

import dev.berth.core.content.Digest;
import dev.berth.core.content.Writer;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches manifests and blobs of a repository over the Docker Registry HTTP API v2 / OCI distribution API.
 *
 * <p>A host's endpoints are its mirrors in order, then the host itself ({@code docker.io} is served by
 * {@code registry-1.docker.io}). A mirror that cannot be reached, fails, or lacks the content is skipped for the
 * next endpoint. When no endpoint could be reached, the whole round is retried with exponential backoff,
 * {@code retries} rounds in all, and then the call fails UNAVAILABLE naming the registry.
 *
 * <p>Safe for concurrent use; tokens are cached per endpoint and scope until they expire.
 */
public final class RegistryClient {
    private static final Logger LOG = LoggerFactory.getLogger(RegistryClient.class);
    private static final String DOCKER_HUB_ENDPOINT = "registry-1.docker.io";
    private static final Duration DEFAULT_BACKOFF = Duration.ofMillis(200);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);
    private static final int CHUNK = 64 * 1024;
    /** Bytes gathered per write into the content store while streaming a blob. */
    private static final int BLOCK = 256 * 1024;
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes\\s+(\\d+)-(\\d+)/(\\d+|\\*)");

    private final RegistryConfig config;
    private final RegistryTransport transport;
    private final ProgressTimeout progress;
    private final Duration backoff;

    public RegistryClient(RegistryConfig config) {
        this(config, DEFAULT_BACKOFF, Clock.systemUTC());
    }

    /** With another backoff base (tests use a few milliseconds). */
    RegistryClient(RegistryConfig config, Duration backoff, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.backoff = backoff;
        this.progress = new ProgressTimeout(config.pullProgressTimeout());
        this.transport = new RegistryTransport(clock, progress);
    }

    public RegistryConfig config() {
        return config;
    }

    /**
     * The endpoints tried for {@code domain}, in order: its mirrors, then the host itself.
     *
     * @param creds the pull's credentials: used for the host itself (else the host's configured user); mirrors
     *              get only the credentials configured for their own host entry
     */
    List<RegistryEndpoint> endpoints(String domain, Credentials creds) {
        RegistryConfig.Host h = config.host(domain);
        List<RegistryEndpoint> out = new ArrayList<>();
        for (String m : h.mirrors()) {
            boolean explicitScheme = m.contains("://");
            URI u = URI.create(explicitScheme ? m : "https://" + m);
            String authority = u.getRawAuthority();
            RegistryConfig.Host own = config.hasHost(authority) ? config.host(authority) : null;
            RegistryConfig.Host tls = own != null ? own : h;
            String scheme = u.getScheme();
            if (!explicitScheme && own != null && own.plainHttp()) {
                scheme = "http";
            }
            String prefix = u.getRawPath() == null ? "" : u.getRawPath().replaceAll("/+$", "");
            if (prefix.endsWith("/v2")) {
                prefix = prefix.substring(0, prefix.length() - 3);
            }
            URI base = URI.create(scheme + "://" + authority + prefix);
            out.add(new RegistryEndpoint(base, domain, true, tls, own == null ? Credentials.none() : own.credentials(),
                    scheme.equals("https") && RegistryEndpoint.isLoopback(authority)));
        }
        String host = domain.equals(ImageReference.DOCKER_HUB) ? DOCKER_HUB_ENDPOINT : domain;
        String scheme = h.plainHttp() ? "http" : "https";
        Credentials c = creds != null && !creds.isEmpty() ? creds : h.credentials();
        out.add(new RegistryEndpoint(URI.create(scheme + "://" + host), domain, false, h, c,
                !h.plainHttp() && RegistryEndpoint.isLoopback(host)));
        return out;
    }

    /**
     * Fetches a manifest or index.
     *
     * @param reference a tag, or a digest ({@code sha256:…}) which the bytes must match
     * @throws BerthException NOT_FOUND naming the image when the registry has no such manifest; PERMISSION_DENIED;
     *                        RESOURCE_EXHAUSTED when it is larger than {@code max_manifest_size}; FAILED_PRECONDITION
     *                        on a digest mismatch; INVALID_ARGUMENT for a schema1 or unreadable manifest; UNAVAILABLE
     *                        when the registry cannot be reached
     */
    public FetchedManifest fetchManifest(ImageReference ref, String reference, Credentials creds) {
        Digest requested = reference.contains(":") ? Digest.parse(reference) : null;
        String what = "manifest " + reference + " of " + ref;
        return onEndpoints(ref, creds, what, ep -> {
            HttpResponse<InputStream> resp = transport.get(ep, ref.path() + "/manifests/" + reference, scope(ref),
                    Map.of("Accept", MediaTypes.MANIFEST_ACCEPT));
            try (InputStream in = watched(resp, ep)) {
                int s = resp.statusCode();
                if (s == 404) {
                    throw BerthException.notFound("%s: not found (%s has no manifest %s)", ref, ep.base(), reference);
                }
                checkStatus(ep, resp, what);
                long max = config.maxManifestSize();
                long length = resp.headers().firstValueAsLong("Content-Length").orElse(-1);
                if (length > max) {
                    throw tooLarge(what, length, max, "max_manifest_size");
                }
                byte[] bytes = readLimited(in, max, what, "max_manifest_size");
                Digest digest;
                if (requested != null) {
                    digest = verify(bytes, requested, what);
                } else {
                    String header = resp.headers().firstValue("Docker-Content-Digest").orElse("");
                    Digest named = null;
                    if (!header.isEmpty()) {
                        try {
                            named = Digest.parse(header.trim());
                        } catch (BerthException e) {
                            LOG.debug("ignoring invalid Docker-Content-Digest {} from {}", header, ep.base());
                        }
                    }
                    digest = named != null ? verify(bytes, named, what) : Digest.sha256(bytes);
                }
                String mediaType = ManifestJson.mediaType(bytes, resp.headers().firstValue("Content-Type").orElse(""), what);
                if (MediaTypes.isSchema1(mediaType)) {
                    throw BerthException.invalidArgument("%s: Docker schema1 manifests are not supported; push the image again with a current client", ref);
                }
                if (!MediaTypes.isIndex(mediaType) && !MediaTypes.isManifest(mediaType)) {
                    throw BerthException.invalidArgument("%s: unsupported manifest media type %s", what, mediaType);
                }
                return new FetchedManifest(digest, mediaType, bytes);
            }
        });
    }

    /**
     * Fetches a small blob (an image config) into memory, verifying size and digest.
     *
     * @param limit the largest size accepted (RESOURCE_EXHAUSTED beyond)
     */
    public byte[] fetchBlob(ImageReference ref, Descriptor blob, long limit, Credentials creds) {
        String what = "blob " + blob.digest() + " of " + ref;
        if (blob.size() > limit) {
            throw tooLarge(what, blob.size(), limit, "max_config_size");
        }
        return onEndpoints(ref, creds, what, ep -> {
            HttpResponse<InputStream> resp = transport.get(ep, ref.path() + "/blobs/" + blob.digest(), scope(ref), Map.of());
            try (InputStream in = watched(resp, ep)) {
                if (resp.statusCode() == 404) {
                    throw BerthException.notFound("%s: not found at %s", what, ep.base());
                }
                checkStatus(ep, resp, what);
                byte[] bytes = readLimited(in, limit, what, "max_config_size");
                if (blob.size() >= 0 && bytes.length != blob.size()) {
                    throw BerthException.failedPrecondition("%s: size mismatch: got %d bytes, descriptor says %d", what,
                            bytes.length, blob.size());
                }
                verify(bytes, blob.digest(), what);
                return bytes;
            }
        });
    }

    /**
     * Streams a blob into {@code writer}, starting at {@link Writer#offset()} (a {@code Range} request) and
     * resuming the same way when the connection drops. Does not commit.
     *
     * @param cancelled polled between chunks; when it turns true the download stops with CANCELLED
     */
    public void fetchBlob(ImageReference ref, Descriptor blob, Writer writer, Credentials creds, BooleanSupplier cancelled) {
        String what = "blob " + blob.digest() + " of " + ref;
        onEndpoints(ref, creds, what, ep -> {
            copyBlob(ep, ref, blob, writer, cancelled, what);
            return null;
        });
    }

    private void copyBlob(RegistryEndpoint ep, ImageReference ref, Descriptor blob, Writer writer, BooleanSupplier cancelled,
                          String what) throws IOException, InterruptedException {
        long size = blob.size();
        int resumesWithoutProgress = 0;
        while (true) {
            long offset = writer.offset();
            if (size >= 0 && offset >= size) {
                return;
            }
            Map<String, String> headers = offset > 0 ? Map.of("Range", "bytes=" + offset + "-") : Map.of();
            HttpResponse<InputStream> resp = transport.get(ep, ref.path() + "/blobs/" + blob.digest(), scope(ref), headers);
            try (InputStream in = CancelWatch.watch(watched(resp, ep), cancelled)) {
                int s = resp.statusCode();
                if (s == 404) {
                    throw BerthException.notFound("%s: not found at %s", what, ep.base());
                }
                long skip = 0;
                if (s == 206) {
                    Matcher m = CONTENT_RANGE.matcher(resp.headers().firstValue("Content-Range").orElse(""));
                    long start = m.matches() ? Long.parseLong(m.group(1)) : offset;
                    if (start > offset) {
                        throw new IOException(ep.base() + " sent bytes from " + start + " when asked from " + offset);
                    }
                    skip = offset - start;
                } else if (s == 416 && size >= 0 && offset == size) {
                    return;
                } else {
                    checkStatus(ep, resp, what);
                    skip = offset; // the server ignored the range: drop what we have already
                }
                if (skip > 0) {
                    in.skipNBytes(skip);
                }
                try {
                    copy(in, writer, size, cancelled, what);
                    if (size >= 0 && writer.offset() < size) {
                        throw new IOException("connection closed after " + writer.offset() + " of " + size + " bytes");
                    }
                    return;
                } catch (IOException e) {
                    if (writer.offset() > offset) {
                        resumesWithoutProgress = 0;
                    } else if (++resumesWithoutProgress >= config.retries()) {
                        throw e;
                    }
                    LOG.debug("{}: download from {} interrupted at {} bytes ({}); resuming", what, ep.base(), writer.offset(),
                            e.toString());
                }
            }
        }
    }

    /**
     * Copies the body into {@code writer} in blocks of up to {@link #BLOCK} bytes: the HTTP client hands out ~16 KiB
     * slices, and each write costs a syscall plus a digest update, so gathering them first is cheaper. Bytes read
     * before a connection failure are written before the failure propagates, so a resume continues after them.
     */
    private static void copy(InputStream in, Writer writer, long size, BooleanSupplier cancelled, String what) throws IOException {
        byte[] buf = new byte[BLOCK];
        while (true) {
            if (cancelled.getAsBoolean()) {
                throw new BerthException(ErrorKind.CANCELLED, what + ": download cancelled");
            }
            int filled = 0;
            boolean eof = false;
            try {
                while (filled < buf.length) {
                    int n = in.read(buf, filled, buf.length - filled);
                    if (n < 0) {
                        eof = true;
                        break;
                    }
                    filled += n;
                }
            } catch (IOException e) {
                if (filled > 0) {
                    append(writer, buf, filled, size, what);
                }
                if (cancelled.getAsBoolean()) { // CancelWatch closed the body under the reader
                    throw new BerthException(ErrorKind.CANCELLED, what + ": download cancelled");
                }
                throw e;
            }
            if (filled > 0) {
                append(writer, buf, filled, size, what);
            }
            if (eof) {
                return;
            }
        }
    }

    private static void append(Writer writer, byte[] buf, int n, long size, String what) {
        if (size >= 0 && writer.offset() + n > size) {
            throw BerthException.failedPrecondition("%s: registry sent more than the %d bytes its descriptor says", what, size);
        }
        writer.write(ByteBuffer.wrap(buf, 0, n));
    }

    /** The body, failing its reads with DEADLINE_EXCEEDED once it stalls for the progress timeout. */
    private InputStream watched(HttpResponse<InputStream> resp, RegistryEndpoint ep) {
        URI u = resp.uri(); // where the body really comes from: after a redirect or the loopback fallback to HTTP
        return progress.watch(resp.body(), u.getScheme() + "://" + u.getRawAuthority());
    }

    private interface EndpointCall<T> {
        T run(RegistryEndpoint ep) throws IOException, InterruptedException;
    }

    /**
     * Runs {@code call} against the endpoints in order until one answers. A mirror's definite failure (not found,
     * refused, bad content) skips that mirror for the rest of the call; connection failures and 5xx are retried
     * in the next round, after a backoff. A transfer that stalled for the progress timeout ends the call at once.
     */
    private <T> T onEndpoints(ImageReference ref, Credentials creds, String what, EndpointCall<T> call) {
        List<RegistryEndpoint> eps = endpoints(ref.domain(), creds);
        Set<RegistryEndpoint> skipped = new HashSet<>();
        Exception last = null;
        RegistryEndpoint lastEp = null;
        int attempts = config.retries();
        for (int attempt = 1; attempt <= attempts; attempt++) {
            for (RegistryEndpoint ep : eps) {
                if (skipped.contains(ep)) {
                    continue;
                }
                try {
                    return call.run(ep);
                } catch (BerthException e) {
                    if (e.kind() == ErrorKind.DEADLINE_EXCEEDED) {
                        throw new BerthException(ErrorKind.DEADLINE_EXCEEDED, what + ": " + e.getMessage()
                                + "; pull cancelled", e);
                    }
                    if (!ep.mirror() || e.kind() == ErrorKind.CANCELLED || e.kind() == ErrorKind.RESOURCE_EXHAUSTED) {
                        throw e;
                    }
                    LOG.info("{}: mirror {} failed ({}); trying the next endpoint", what, ep.base(), e.getMessage());
                    skipped.add(ep);
                } catch (IOException e) {
                    LOG.debug("{}: {} failed: {}", what, ep.base(), e.toString());
                    last = e;
                    lastEp = ep;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new BerthException(ErrorKind.CANCELLED, what + ": interrupted", e);
                }
            }
            if (attempt < attempts) {
                sleep(attempt, what);
            }
        }
        String cause = last == null ? "no endpoint answered" : describe(last);
        throw new BerthException(ErrorKind.UNAVAILABLE, String.format("registry %s unreachable (%s) after %d attempts: %s",
                ref.domain(), lastEp == null ? what : what + " via " + lastEp.base(), attempts, cause), last);
    }

    private void sleep(int attempt, String what) {
        long base = backoff.toMillis() << Math.min(attempt - 1, 16);
        long ms = Math.min(base, MAX_BACKOFF.toMillis());
        ms += ThreadLocalRandom.current().nextLong(ms / 5 + 1); // jitter, so that many pulls do not retry in step
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BerthException(ErrorKind.CANCELLED, what + ": interrupted");
        }
    }

    private static String describe(Exception e) {
        String m = e.getMessage();
        return m == null || m.isEmpty() ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + m;
    }

    /** Passes 2xx; 5xx and 429 become a retryable IOException; anything else is a definite failure. */
    private static void checkStatus(RegistryEndpoint ep, HttpResponse<InputStream> resp, String what) throws IOException {
        int s = resp.statusCode();
        if (s >= 200 && s < 300) {
            return;
        }
        if (s >= 500 || s == 429 || s == 408) {
            throw new RetryableStatusException(ep.base() + " answered HTTP " + s);
        }
        String body;
        try {
            body = new String(resp.body().readNBytes(512), StandardCharsets.UTF_8).replaceAll("\\s+", " ").trim();
        } catch (IOException e) {
            body = "";
        }
        throw new BerthException(ErrorKind.FAILED_PRECONDITION, String.format("%s: registry %s answered HTTP %d%s", what, ep.base(), s,
                body.isEmpty() ? "" : ": " + body));
    }

    private static byte[] readLimited(InputStream in, long max, String what, String setting) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[CHUNK];
        long total = 0;
        int n;
        while ((n = in.read(buf)) >= 0) {
            total += n;
            if (total > max) {
                throw tooLarge(what, -1, max, setting);
            }
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    private static BerthException tooLarge(String what, long size, long max, String setting) {
        return new BerthException(ErrorKind.RESOURCE_EXHAUSTED, String.format("%s is %s, larger than %s (%d bytes)", what,
                size >= 0 ? size + " bytes" : "more than " + max + " bytes", setting, max));
    }

    private static Digest verify(byte[] bytes, Digest expected, String what) {
        MessageDigest md = expected.messageDigest();
        Digest actual = Digest.fromMessageDigest(expected.algorithm(), md.digest(bytes));
        if (!actual.equals(expected)) {
            throw BerthException.failedPrecondition("%s: digest mismatch: expected %s, got %s", what, expected, actual);
        }
        return actual;
    }

    private static String scope(ImageReference ref) {
        return "repository:" + ref.path() + ":pull";
    }

    /** A 5xx or 429 answer: worth another attempt. */
    static final class RetryableStatusException extends IOException {
        private static final long serialVersionUID = 1L;

        RetryableStatusException(String message) {
            super(message);
        }
    }
}
