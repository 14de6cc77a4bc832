package dev.berth.cri.registry;

import com.google.gson.JsonObject;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Answers registry auth challenges (docker token auth and basic auth) and caches the result per endpoint and scope
 * until it expires.
 */
final class RegistryAuthorizer {
    /** Docker's token spec: a token without {@code expires_in} lasts 60 s. */
    private static final long DEFAULT_TOKEN_SECONDS = 60;
    /** Renew a little early so a token does not expire in flight. */
    private static final long EARLY_RENEWAL_SECONDS = 5;
    private static final String CLIENT_ID = "berth";

    /** An {@code Authorization} header value and how it was obtained (for error messages). */
    record Authorization(String header, String method, Instant expiresAt) {
        @Override
        public String toString() {
            return "Authorization[method=" + method + "]";
        }
    }

    /** Sends a token request; the transport supplies TLS settings and redirects. */
    interface TokenTransport {
        HttpResponse<byte[]> send(RegistryEndpoint ep, HttpRequest request) throws IOException, InterruptedException;
    }

    private final TokenTransport transport;
    private final Clock clock;
    private final Map<Key, Authorization> cache = new ConcurrentHashMap<>();

    RegistryAuthorizer(TokenTransport transport, Clock clock) {
        this.transport = transport;
        this.clock = clock;
    }

    /** The cached authorization for the endpoint and scope, if still valid. */
    Authorization cached(RegistryEndpoint ep, String scope) {
        Authorization a = cache.get(key(ep, scope));
        if (a == null) {
            a = cache.get(key(ep, "")); // basic auth is not scoped
        }
        if (a != null && a.expiresAt() != null && !clock.instant().isBefore(a.expiresAt())) {
            cache.remove(key(ep, scope), a);
            return null;
        }
        return a;
    }

    void invalidate(RegistryEndpoint ep, String scope) {
        cache.remove(key(ep, scope));
        cache.remove(key(ep, ""));
    }

    /**
     * Answers the challenges of a 401 response.
     *
     * @throws BerthException PERMISSION_DENIED when no challenge can be answered (e.g. basic auth without
     *                        credentials) or the token server refuses
     * @throws IOException    when the token server cannot be reached or fails (worth retrying)
     */
    Authorization authorize(RegistryEndpoint ep, String scope, List<AuthChallenge> challenges)
            throws IOException, InterruptedException {
        Credentials creds = ep.credentials();
        AuthChallenge bearer = challenges.stream().filter(c -> c.scheme().equals("bearer")).findFirst().orElse(null);
        AuthChallenge basic = challenges.stream().filter(c -> c.scheme().equals("basic")).findFirst().orElse(null);
        Authorization a;
        if (bearer != null) {
            a = bearer(ep, scope, bearer, creds);
            cache.put(key(ep, scope), a);
        } else if (basic != null) {
            var up = creds.userPassword();
            if (up.isEmpty()) {
                throw denied(ep, "registry %s wants basic auth and no credentials were given", ep.registry());
            }
            a = new Authorization(up.get().header(), "basic (user \"" + up.get().user() + "\")", null);
            cache.put(key(ep, ""), a);
        } else {
            throw denied(ep, "registry %s asks for authentication with an unsupported scheme (%s)", ep.registry(),
                    challenges.isEmpty() ? "no WWW-Authenticate challenge" : challenges.get(0).scheme());
        }
        return a;
    }

    private Authorization bearer(RegistryEndpoint ep, String scope, AuthChallenge ch, Credentials creds)
            throws IOException, InterruptedException {
        if (!creds.registryToken().isEmpty()) {
            return new Authorization("Bearer " + creds.registryToken(), "bearer (registry token)", null);
        }
        String realm = ch.param("realm");
        if (realm.isEmpty()) {
            throw denied(ep, "registry %s sent a Bearer challenge without a realm", ep.registry());
        }
        URI realmUri;
        try {
            realmUri = URI.create(realm);
        } catch (IllegalArgumentException e) {
            throw denied(ep, "registry %s sent a Bearer challenge with an invalid realm %s", ep.registry(), realm);
        }
        if (realmUri.getScheme() == null || !realmUri.getScheme().startsWith("http")) {
            throw denied(ep, "registry %s sent a Bearer challenge with an invalid realm %s", ep.registry(), realm);
        }
        String service = ch.param("service");
        String wanted = ch.param("scope").isEmpty() ? scope : ch.param("scope");
        String method;
        HttpResponse<byte[]> resp;
        if (!creds.identityToken().isEmpty()) {
            method = "bearer (oauth2 refresh token)";
            StringJoiner form = new StringJoiner("&");
            form.add("grant_type=refresh_token");
            form.add("refresh_token=" + enc(creds.identityToken()));
            form.add("client_id=" + CLIENT_ID);
            if (!service.isEmpty()) {
                form.add("service=" + enc(service));
            }
            if (!wanted.isEmpty()) {
                form.add("scope=" + enc(wanted));
            }
            resp = transport.send(ep, HttpRequest.newBuilder(realmUri)
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(form.toString()))
                    .build());
        } else {
            StringJoiner q = new StringJoiner("&");
            if (!service.isEmpty()) {
                q.add("service=" + enc(service));
            }
            if (!wanted.isEmpty()) {
                q.add("scope=" + enc(wanted));
            }
            String sep = realm.contains("?") ? "&" : "?";
            URI uri = URI.create(q.length() == 0 ? realm : realm + sep + q);
            HttpRequest.Builder b = HttpRequest.newBuilder(uri).GET();
            var up = creds.userPassword();
            if (up.isPresent()) {
                b.header("Authorization", up.get().header());
                method = "bearer (token for user \"" + up.get().user() + "\")";
            } else {
                method = "bearer (anonymous token)";
            }
            resp = transport.send(ep, b.build());
        }
        int status = resp.statusCode();
        if (status == 401 || status == 403) {
            throw denied(ep, "token server %s refused %s for %s: HTTP %d", realmUri.getAuthority(), method, ep.registry(), status);
        }
        if (status >= 500 || status == 429) {
            throw new IOException("token server " + realmUri.getAuthority() + " answered HTTP " + status);
        }
        if (status != 200) {
            throw denied(ep, "token server %s answered HTTP %d to %s for %s", realmUri.getAuthority(), status, method, ep.registry());
        }
        JsonObject o;
        try {
            o = ManifestJson.object(resp.body(), "token response");
        } catch (BerthException e) {
            throw denied(ep, "token server %s sent an unreadable answer", realmUri.getAuthority());
        }
        String token = ManifestJson.string(o, "token");
        if (token.isEmpty()) {
            token = ManifestJson.string(o, "access_token");
        }
        if (token.isEmpty()) {
            throw denied(ep, "token server %s sent no token", realmUri.getAuthority());
        }
        long seconds = DEFAULT_TOKEN_SECONDS;
        try {
            String s = ManifestJson.string(o, "expires_in");
            if (!s.isEmpty()) {
                seconds = Math.max(DEFAULT_TOKEN_SECONDS, Long.parseLong(s));
            }
        } catch (NumberFormatException ignored) {
            // keep the default lifetime
        }
        Instant expires = clock.instant().plus(Duration.ofSeconds(seconds - EARLY_RENEWAL_SECONDS));
        return new Authorization("Bearer " + token, method, expires);
    }

    /**
     * What an authorization was obtained for: the endpoint, the scope ("" for unscoped basic auth) and the
     * credentials of the pull. A pull never reuses what another pull's credentials obtained.
     */
    private record Key(java.net.URI base, String scope, Credentials credentials) {
    }

    private static Key key(RegistryEndpoint ep, String scope) {
        return new Key(ep.base(), scope, ep.credentials());
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static BerthException denied(RegistryEndpoint ep, String fmt, Object... args) {
        return new BerthException(ErrorKind.PERMISSION_DENIED, String.format(fmt, args));
    }
}
