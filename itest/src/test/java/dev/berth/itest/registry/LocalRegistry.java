package dev.berth.itest.registry;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Debian's {@code docker-registry} (distribution v2) serving plain HTTP on {@code 127.0.0.1:<free port>}, with its
 * storage, config and log in a temp dir of its own that {@link #close()} removes after killing the process.
 * Optionally protected by htpasswd basic auth, or by docker token auth with a {@link TokenServer} of its own; optionally
 * logging every request (access log) so that tests can count fetches. It can be killed (SIGKILL) and restarted on the
 * same port and storage.
 */
public final class LocalRegistry implements AutoCloseable {
    public static final Path BINARY = Path.of("/usr/bin/docker-registry");
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(20);
    private static final int START_ATTEMPTS = 3;

    /** Basic-auth user and password. */
    public record Credentials(String username, String password) {
        public String basicHeader() {
            return TestImages.basic(username, password);
        }

        @Override
        public String toString() {
            return "Credentials[" + username + ":***]";
        }
    }

    /** How to start a registry: {@link #options()}. */
    public static final class Options {
        private Credentials credentials;
        private boolean token;
        private boolean accessLog;

        private Options() {
        }

        /** htpasswd basic auth with one user. */
        public Options basicAuth(String user, String password) {
            this.credentials = new Credentials(user, password);
            this.token = false;
            return this;
        }

        /** Docker token auth: a {@link TokenServer} issues tokens to {@code user} (see its policy). */
        public Options tokenAuth(String user, String password) {
            this.credentials = new Credentials(user, password);
            this.token = true;
            return this;
        }

        /** Log every request (combined log format) to the registry's output: see {@link #requestCount}. */
        public Options accessLog() {
            this.accessLog = true;
            return this;
        }
    }

    public static Options options() {
        return new Options();
    }

    private final Path dir;
    private final int port;
    private volatile Process process;
    private final Credentials credentials;
    private final TokenServer tokenServer;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private LocalRegistry(Path dir, int port, Process process, Credentials credentials, TokenServer tokenServer) {
        this.dir = dir;
        this.port = port;
        this.process = process;
        this.credentials = credentials;
        this.tokenServer = tokenServer;
    }

    /** An anonymous registry. */
    public static LocalRegistry start() throws IOException, InterruptedException {
        return start(options());
    }

    /** A registry that answers 401 unless the request carries {@code credentials} (null: anonymous). */
    public static LocalRegistry start(Credentials credentials) throws IOException, InterruptedException {
        Options o = options();
        if (credentials != null) {
            o.basicAuth(credentials.username(), credentials.password());
        }
        return start(o);
    }

    public static LocalRegistry start(Options options) throws IOException, InterruptedException {
        Credentials credentials = options.credentials;
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "berth-registry-");
        TokenServer tokenServer = null;
        try {
            Path htpasswd = null;
            if (options.token) {
                tokenServer = TokenServer.start(dir, credentials);
            } else if (credentials != null) {
                htpasswd = dir.resolve("htpasswd");
                String line = TestImages.run(List.of("htpasswd", "-Bbn", credentials.username(), credentials.password()),
                        Duration.ofSeconds(30)).strip();
                Files.writeString(htpasswd, line + "\n");
            }
            IllegalStateException last = null;
            for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
                int port = freePort();
                Path config = dir.resolve("config.yml");
                Files.writeString(config, config(dir.resolve("data"), port, htpasswd, tokenServer, options.accessLog));
                LocalRegistry r = new LocalRegistry(dir, port, launch(dir), credentials, tokenServer);
                try {
                    r.awaitReady();
                    return r;
                } catch (IllegalStateException e) {
                    r.stopProcess();
                    last = e;
                    if (!r.output().contains("address already in use")) {
                        break; // a real failure, not a lost port race
                    }
                }
            }
            throw last;
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (tokenServer != null) {
                tokenServer.close();
            }
            deleteTree(dir);
            throw e;
        }
    }

    private static Process launch(Path dir) throws IOException {
        Path log = dir.resolve("registry.log");
        ProcessBuilder pb = new ProcessBuilder(BINARY.toString(), "serve", dir.resolve("config.yml").toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        // REGISTRY_* variables override the config file: none may leak in from the environment
        pb.environment().keySet().removeIf(k -> k.startsWith("REGISTRY_"));
        return pb.start();
    }

    private static String config(Path data, int port, Path htpasswd, TokenServer token, boolean accessLog) {
        StringBuilder y = new StringBuilder();
        y.append("version: 0.1\n");
        y.append("log:\n  level: warn\n  accesslog:\n    disabled: ").append(!accessLog).append('\n');
        y.append("storage:\n  filesystem:\n    rootdirectory: ").append(data).append('\n');
        y.append("  delete:\n    enabled: true\n");
        y.append("  maintenance:\n    uploadpurging:\n      enabled: false\n");
        y.append("http:\n  addr: 127.0.0.1:").append(port).append('\n');
        y.append("  secret: berth-itest-secret\n");
        y.append("health:\n  storagedriver:\n    enabled: false\n");
        if (htpasswd != null) {
            y.append("auth:\n  htpasswd:\n    realm: berth-itest\n    path: ").append(htpasswd).append('\n');
        }
        if (token != null) {
            y.append("auth:\n  token:\n    realm: ").append(token.realm()).append('\n');
            y.append("    service: ").append(TokenServer.SERVICE).append('\n');
            y.append("    issuer: ").append(TokenServer.ISSUER).append('\n');
            y.append("    rootcertbundle: ").append(token.rootCertBundle()).append('\n');
        }
        return y.toString();
    }

    private void awaitReady() throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(READY_TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("docker-registry exited with " + process.exitValue() + ":\n" + output());
            }
            try {
                int code = http.send(HttpRequest.newBuilder(uri("/v2/")).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode();
                if (code == 200 || code == 401) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("docker-registry not answering /v2/ on " + host() + " after " + READY_TIMEOUT + ":\n" + output());
    }

    /** {@code 127.0.0.1:<port>}. */
    public String host() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public Optional<Credentials> credentials() {
        return Optional.ofNullable(credentials);
    }

    /** The token server when this registry uses token auth. */
    public Optional<TokenServer> tokenServer() {
        return Optional.ofNullable(tokenServer);
    }

    /** Pushes {@code layout} as {@code repo:tag} (e.g. {@code "busybox:1"}), with this registry's credentials. */
    public TestImages.Pushed push(TestImages.Layout layout, String repoAndTag) throws IOException, InterruptedException {
        String repo = repoAndTag.substring(0, repoAndTag.lastIndexOf(':'));
        return TestImages.push(layout, host() + "/" + repoAndTag, credentials, authorization(credentials, repo));
    }

    /**
     * The {@code Authorization} header that {@code creds} give for {@code repo} (push and pull): basic, or a bearer token
     * minted by this registry's token server. Null for no credentials.
     */
    String authorization(Credentials creds, String repo) {
        if (creds == null) {
            return null;
        }
        if (tokenServer == null) {
            return creds.basicHeader();
        }
        return "Bearer " + tokenServer.token(creds.username(), repo, List.of("pull", "push"));
    }

    /**
     * The file holding blob {@code digest} in the registry's storage
     * ({@code docker/registry/v2/blobs/sha256/<2>/<hex>/data}): tests corrupt and restore it.
     */
    public Path blobData(String digest) {
        String hex = digest.substring(digest.indexOf(':') + 1);
        return dir.resolve("data/docker/registry/v2/blobs/sha256").resolve(hex.substring(0, 2)).resolve(hex).resolve("data");
    }

    /** How many requests the access log shows whose request line contains {@code fragment} (needs {@link Options#accessLog()}). */
    public long requestCount(String method, String pathFragment) {
        return output().lines().filter(l -> l.contains("\"" + method + " ") && l.contains(pathFragment)).count();
    }

    /** SIGKILL, and waits (bounded) until the process is gone. */
    public void kill() throws InterruptedException {
        Process p = process;
        p.destroyForcibly();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            throw new IllegalStateException("docker-registry " + p.pid() + " still alive 20 s after SIGKILL");
        }
    }

    /** Starts the registry again on the same port, config and storage (after {@link #kill()}), and waits until it answers. */
    public void restart() throws IOException, InterruptedException {
        if (process.isAlive()) {
            throw new IllegalStateException("docker-registry is still running");
        }
        Instant deadline = Instant.now().plus(READY_TIMEOUT);
        while (true) {
            int logged = output().length();
            process = launch(dir);
            try {
                awaitReady();
                return;
            } catch (IllegalStateException e) {
                stopProcess();
                // the old listener's port can linger for a moment; anything else is a real failure
                if (!output().substring(logged).contains("address already in use") || Instant.now().isAfter(deadline)) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
    }

    /** A GET with this registry's credentials (if any); {@code headers} are name, value pairs. */
    public HttpResponse<byte[]> get(String path, String... headers) throws IOException, InterruptedException {
        return request("GET", path, credentials, headers);
    }

    /** A request with the given credentials (null: anonymous), bounded to 10 s. */
    public HttpResponse<byte[]> request(String method, String path, Credentials creds, String... headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).method(method, HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(10));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        String auth = authorization(creds, repository(path));
        if (auth != null) {
            b.header("Authorization", auth);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** {@code a/b} of {@code /v2/a/b/manifests/1} (the token scope of a request). */
    private static String repository(String path) {
        Matcher m = Pattern.compile("^/v2/(.+)/(manifests|blobs|tags)/.*").matcher(path);
        return m.matches() ? m.group(1) : "";
    }

    private URI uri(String path) {
        return URI.create("http://" + host() + path);
    }

    /** Everything the registry printed so far. */
    public String output() {
        try {
            Path log = dir.resolve("registry.log");
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(cannot read registry log: " + e + ")";
        }
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** A loopback port nothing listens on (bound and released: connecting to it is refused). */
    public static int closedPort() throws IOException {
        return freePort();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private void stopProcess() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    /** Kills the registry (SIGTERM, then SIGKILL after 10 s), waits for it and removes its directory. */
    @Override
    public void close() {
        stopProcess();
        if (tokenServer != null) {
            tokenServer.close();
        }
        try {
            deleteTree(dir);
        } catch (IOException e) {
            System.err.println("cannot remove " + dir + ": " + e);
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Override
    public String toString() {
        return "LocalRegistry[" + host() + (tokenServer != null ? ", token auth via " + tokenServer.host()
                : credentials != null ? ", basic auth" : "") + "]";
    }
}
