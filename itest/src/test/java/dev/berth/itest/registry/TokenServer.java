package dev.berth.itest.registry;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Docker token server (the "realm" of {@code WWW-Authenticate: Bearer}) for docker-registry's {@code auth: token}
 * mode, on {@code 127.0.0.1:<free port>}: {@code GET /token?service=..&scope=..} with basic credentials.
 *
 * <p>Policy, like Docker Hub's: wrong credentials are refused with 401; a request without credentials gets an
 * anonymous token granting nothing (the registry then refuses it); the configured user gets every action asked for
 * on every repository. Tokens are RS256 JWTs (docker/distribution's "jwt.md" claims) signed with a fresh RSA key
 * whose self-signed certificate is the registry's {@code rootcertbundle}; the JWT header names the key by its
 * libtrust key id ({@code kid}), which is how docker-registry 2.8 finds a trusted key.
 */
public final class TokenServer implements AutoCloseable {
    public static final String ISSUER = "berth-itest-token-issuer";
    public static final String SERVICE = "berth-itest-registry";
    private static final Duration LIFETIME = Duration.ofMinutes(5);
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    private final HttpServer server;
    private final ExecutorService executor;
    private final LocalRegistry.Credentials credentials;
    private final PrivateKey key;
    private final String keyId;
    private final Path rootCertBundle;
    private final AtomicInteger issued = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private final List<String> requests = java.util.Collections.synchronizedList(new ArrayList<>());

    private TokenServer(HttpServer server, ExecutorService executor, LocalRegistry.Credentials credentials, PrivateKey key,
                        String keyId, Path rootCertBundle) {
        this.server = server;
        this.executor = executor;
        this.credentials = credentials;
        this.key = key;
        this.keyId = keyId;
        this.rootCertBundle = rootCertBundle;
    }

    /**
     * Generates the signing key and certificate in {@code dir} (keytool) and starts serving.
     *
     * @param credentials the one user that gets tokens with access
     */
    public static TokenServer start(Path dir, LocalRegistry.Credentials credentials) throws IOException, InterruptedException {
        Path keystore = dir.resolve("token-signer.p12");
        String storePass = "berth-itest";
        TestImages.run(List.of("keytool", "-genkeypair", "-keystore", keystore.toString(), "-storetype", "PKCS12",
                "-storepass", storePass, "-alias", "signer", "-keyalg", "RSA", "-keysize", "2048", "-sigalg", "SHA256withRSA",
                "-validity", "2", "-dname", "CN=berth itest token signer",
                "-ext", "KeyUsage=digitalSignature,keyCertSign", "-ext", "BasicConstraints=ca:true"), Duration.ofSeconds(60));
        Path pem = dir.resolve("token-root.pem");
        // keytool -exportcert -rfc writes the certificate as PEM: the registry's rootcertbundle
        TestImages.run(List.of("keytool", "-exportcert", "-rfc", "-keystore", keystore.toString(), "-storetype", "PKCS12",
                "-storepass", storePass, "-alias", "signer", "-file", pem.toString()), Duration.ofSeconds(60));
        PrivateKey key;
        X509Certificate cert;
        try (InputStream in = Files.newInputStream(keystore)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, storePass.toCharArray());
            key = (PrivateKey) ks.getKey("signer", storePass.toCharArray());
            cert = (X509Certificate) ks.getCertificate("signer");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot read " + keystore, e);
        }
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "itest-token-server");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        TokenServer ts = new TokenServer(server, executor, credentials, key, libtrustKeyId(cert.getPublicKey().getEncoded()), pem);
        server.createContext("/token", ts::handle);
        server.start();
        return ts;
    }

    /**
     * libtrust's key id: the first 240 bits of SHA-256 over the DER SubjectPublicKeyInfo, base32 without padding,
     * in 12 colon-separated groups of 4 (what docker-registry indexes its rootcertbundle keys by).
     */
    static String libtrustKeyId(byte[] subjectPublicKeyInfo) {
        byte[] h;
        try {
            h = MessageDigest.getInstance("SHA-256").digest(subjectPublicKeyInfo);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        String b32 = base32(java.util.Arrays.copyOf(h, 30));
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < b32.length(); i += 4) {
            if (i > 0) {
                out.append(':');
            }
            out.append(b32, i, i + 4);
        }
        return out.toString();
    }

    private static String base32(byte[] data) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        StringBuilder sb = new StringBuilder();
        int buffer = 0;
        int bits = 0;
        for (byte b : data) {
            buffer = (buffer << 8) | (b & 0xff);
            bits += 8;
            while (bits >= 5) {
                sb.append(alphabet.charAt((buffer >> (bits - 5)) & 31));
                bits -= 5;
            }
        }
        if (bits > 0) {
            sb.append(alphabet.charAt((buffer << (5 - bits)) & 31));
        }
        return sb.toString();
    }

    /** The URL docker-registry sends as the Bearer challenge's realm. */
    public String realm() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
    }

    /** {@code 127.0.0.1:<port>}. */
    public String host() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    public Path rootCertBundle() {
        return rootCertBundle;
    }

    /** Tokens handed out so far (anonymous ones included). */
    public int issued() {
        return issued.get();
    }

    /** Requests refused with 401 (wrong credentials). */
    public int refused() {
        return refused.get();
    }

    /** Every request so far, as {@code "<user or anonymous> <query>"}. */
    public List<String> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    /** A token for {@code user} granting {@code actions} on repository {@code repo} (for the fixtures' own HTTP). */
    public String token(String user, String repo, List<String> actions) {
        return sign(user, List.of(access(repo, actions)));
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String user = authenticate(ex.getRequestHeaders().getFirst("Authorization"));
            String query = ex.getRequestURI().getRawQuery() == null ? "" : ex.getRequestURI().getRawQuery();
            requests.add((user == null ? "anonymous" : user.isEmpty() ? "refused" : user) + " " + query);
            if (user != null && user.isEmpty()) {
                refused.incrementAndGet();
                ex.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"berth-itest-token\"");
                send(ex, 401, Map.of("errors", List.of(Map.of("code", "UNAUTHORIZED", "message", "invalid credentials"))));
                return;
            }
            List<Map<String, Object>> access = new ArrayList<>();
            if (user != null) {
                for (String scope : params(query, "scope")) {
                    // repository:<name>:<action>[,<action>] (repository names hold no colon)
                    String[] parts = scope.split(":");
                    if (parts.length == 3 && parts[0].equals("repository")) {
                        access.add(access(parts[1], List.of(parts[2].split(","))));
                    }
                }
            }
            String token = sign(user == null ? "" : user, access);
            issued.incrementAndGet();
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("token", token);
            body.put("access_token", token);
            body.put("expires_in", LIFETIME.toSeconds());
            body.put("issued_at", Instant.now().toString());
            send(ex, 200, body);
        }
    }

    /** The user, null for anonymous, "" for wrong credentials. */
    private String authenticate(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        return header.equals(credentials.basicHeader()) ? credentials.username() : "";
    }

    private static List<String> params(String rawQuery, String name) {
        List<String> out = new ArrayList<>();
        for (String kv : rawQuery.split("&")) {
            int eq = kv.indexOf('=');
            if (eq > 0 && URLDecoder.decode(kv.substring(0, eq), StandardCharsets.UTF_8).equals(name)) {
                // one scope parameter may hold several space-separated scopes
                for (String s : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8).split(" ")) {
                    if (!s.isBlank()) {
                        out.add(s);
                    }
                }
            }
        }
        return out;
    }

    private static Map<String, Object> access(String repo, List<String> actions) {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("type", "repository");
        a.put("name", repo);
        a.put("actions", actions);
        return a;
    }

    private String sign(String subject, List<Map<String, Object>> access) {
        long now = Instant.now().getEpochSecond();
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("typ", "JWT");
        header.put("alg", "RS256");
        header.put("kid", keyId);
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("iss", ISSUER);
        claims.put("sub", subject);
        claims.put("aud", SERVICE);
        claims.put("exp", now + LIFETIME.toSeconds());
        claims.put("nbf", now - 10);
        claims.put("iat", now);
        claims.put("jti", UUID.randomUUID().toString());
        claims.put("access", access);
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String signingInput = b64.encodeToString(GSON.toJson(header).getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(GSON.toJson(claims).getBytes(StandardCharsets.UTF_8));
        try {
            Signature s = Signature.getInstance("SHA256withRSA");
            s.initSign(key);
            s.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            return signingInput + "." + b64.encodeToString(s.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign token", e);
        }
    }

    private static void send(HttpExchange ex, int status, Object body) throws IOException {
        byte[] bytes = GSON.toJson(body).getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    @Override
    public String toString() {
        return "TokenServer[" + realm() + "]";
    }
}
