package dev.berth.itest.registry;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Small runnable test images built from the host's static busybox, without network: written as an OCI image layout
 * directory and pushed to a registry with skopeo.
 *
 * <p>The default image has three gzip layers: the busybox root file system ({@code /bin/busybox} plus {@code sh ls
 * echo cat sleep id} links, {@code /etc/passwd} with {@code root} and {@code app:1000:1000}, {@code /etc/group} (where
 * {@code app} is also a member of {@code staff}, {@link #STAFF_GID}),
 * {@code /tmp} 1777, {@code /home/app}), {@code /hello.txt} and {@code /etc/berth-test}. Every byte is
 * deterministic, so equal options give equal digests.
 */
public final class TestImages {
    public static final Path BUSYBOX = Path.of("/bin/busybox");
    public static final String HELLO = "hello from berth\n";
    /** The group {@code app} belongs to by the image's {@code /etc/group} only, not as its primary group. */
    public static final long STAFF_GID = 50000;

    public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
    public static final String OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
    public static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    public static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    public static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
    public static final String DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    /** Accept header that lets a registry serve any manifest kind unchanged. */
    public static final String ACCEPT_ALL = String.join(", ", OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST);

    private static final String CREATED = "2024-01-01T00:00:00Z";
    /** Layers larger than this (only {@link Builder#randomLayer} makes them) are gzipped at the fastest level. */
    private static final int RANDOM_LAYER_THRESHOLD = 8 << 20;
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    /** Which manifest media types an image uses. */
    public enum Format {
        OCI(OCI_MANIFEST, OCI_INDEX, OCI_CONFIG, OCI_LAYER_GZIP),
        DOCKER(DOCKER_MANIFEST, DOCKER_LIST, DOCKER_CONFIG, DOCKER_LAYER_GZIP);

        public final String manifestType;
        public final String indexType;
        public final String configType;
        public final String layerType;

        Format(String manifestType, String indexType, String configType, String layerType) {
            this.manifestType = manifestType;
            this.indexType = indexType;
            this.configType = configType;
            this.layerType = layerType;
        }
    }

    /** A content-addressed blob of the layout. */
    public record Blob(String mediaType, String digest, long size) {
    }

    /** One platform's image: its manifest, config and (compressed) layers, and the layers' uncompressed digests. */
    public record PlatformImage(String os, String architecture, Blob manifest, Blob config, List<Blob> layers, List<String> diffIds) {
        /** Sum of the compressed layer sizes. */
        public long layersSize() {
            return layers.stream().mapToLong(Blob::size).sum();
        }
    }

    /**
     * An OCI image layout directory holding one image under {@code tag}: {@code top} is what the tag points at (a
     * manifest, or an index for multi-platform images); {@code images} has one entry per platform.
     */
    public record Layout(Path dir, String tag, Format format, Blob top, List<PlatformImage> images) {
        public boolean isIndex() {
            return images.size() > 1 || top.mediaType().equals(format.indexType);
        }

        /** The image for this machine's architecture. */
        public PlatformImage host() {
            return platform(hostArchitecture());
        }

        public PlatformImage platform(String architecture) {
            return images.stream().filter(i -> i.architecture().equals(architecture)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no " + architecture + " image in " + dir));
        }

        /** Digest of what the tag points at (manifest or index), as written. */
        public String digest() {
            return top.digest();
        }

        /** Config digest of the host image: the image id a CRI runtime reports. */
        public String configDigest() {
            return host().config().digest();
        }

        public Path blob(String digest) {
            return dir.resolve("blobs/sha256").resolve(digest.substring("sha256:".length()));
        }
    }

    /**
     * An image as a registry serves it. {@code reference} is {@code host/repo:tag}, {@code digest} the manifest (or
     * index) digest the registry reports, {@code mediaType} its Content-Type.
     */
    public record Pushed(String host, String repository, String tag, String digest, String mediaType, Layout layout) {
        /** {@code host/repo:tag}. */
        public String reference() {
            return host + "/" + repository + ":" + tag;
        }

        /** {@code host/repo@sha256:...}, as a CRI repo_digest. */
        public String digestReference() {
            return host + "/" + repository + "@" + digest;
        }

        /** Config digest of the host-architecture image: what PullImage returns as image_ref. */
        public String configDigest() {
            return layout.configDigest();
        }
    }

    private TestImages() {
    }

    /** The default busybox image: OCI types, user {@code app}, three layers. */
    public static Builder busybox() {
        return new Builder();
    }

    /** {@code amd64} or {@code arm64} (Go / OCI names), from {@code os.arch}. */
    public static String hostArchitecture() {
        String arch = System.getProperty("os.arch");
        return switch (arch) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            default -> arch;
        };
    }

    /** An architecture that is not this machine's, for the second entry of a multi-platform index. */
    public static String otherArchitecture() {
        return hostArchitecture().equals("arm64") ? "amd64" : "arm64";
    }

    public static final class Builder {
        private Format format = Format.OCI;
        private boolean multiPlatform;
        private String user = "app";
        private List<String> env = List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "GREETING=hello");
        private List<String> cmd = List.of("/bin/sh", "-c", "cat /hello.txt");
        private List<String> entrypoint;
        private String workingDir = "/home/app";
        private String marker = "berth-itest";
        private final Map<String, String> extraFiles = new LinkedHashMap<>();
        private final Map<String, long[]> randomFiles = new LinkedHashMap<>();
        private final Map<String, String> symlinks = new LinkedHashMap<>();

        private Builder() {
        }

        public Builder format(Format f) {
            this.format = Objects.requireNonNull(f);
            return this;
        }

        /** An index with the host image and a tiny image for {@link #otherArchitecture()}. */
        public Builder multiPlatform() {
            this.multiPlatform = true;
            return this;
        }

        /** {@code config.User}: a name ({@code "app"}), a uid ({@code "1000"}) or {@code uid:gid}. */
        public Builder user(String u) {
            this.user = u;
            return this;
        }

        public Builder env(List<String> e) {
            this.env = List.copyOf(e);
            return this;
        }

        public Builder cmd(List<String> c) {
            this.cmd = List.copyOf(c);
            return this;
        }

        /** {@code config.Entrypoint}; unset by default. */
        public Builder entrypoint(List<String> e) {
            this.entrypoint = List.copyOf(e);
            return this;
        }

        public Builder workingDir(String w) {
            this.workingDir = w;
            return this;
        }

        /** Content of {@code /etc/berth-test} in the last layer: different markers make different images. */
        public Builder marker(String m) {
            this.marker = m;
            return this;
        }

        /** One more layer with a single file, e.g. {@code ("data/x.txt", "x")} (path without leading slash). */
        public Builder extraLayer(String path, String content) {
            extraFiles.put(path, content);
            return this;
        }

        /** One more layer with a single symlink, e.g. {@code ("data/up", "../..")} (path without leading slash). */
        public Builder symlinkLayer(String path, String target) {
            symlinks.put(path, target);
            return this;
        }

        /**
         * One more layer with a single file of {@code size} incompressible bytes from a {@link SplittableRandom} seeded
         * with {@code seed} (equal arguments, equal layer): a big layer makes a pull last long enough to interrupt it.
         */
        public Builder randomLayer(String path, int size, long seed) {
            randomFiles.put(path, new long[] {size, seed});
            return this;
        }

        /** Writes the layout to {@code dir} (created if missing) under {@code tag}. */
        public Layout build(Path dir, String tag) throws IOException {
            LayoutWriter w = new LayoutWriter(dir);
            List<PlatformImage> images = new ArrayList<>();
            images.add(w.image(hostArchitecture(), hostLayers()));
            if (multiPlatform) {
                // not runnable here, and that is the point: a runtime must pick the host entry
                byte[] other = new TarWriter().file("hello.txt", 0644, 0, 0,
                        ("hello from " + otherArchitecture() + "\n").getBytes(StandardCharsets.UTF_8)).finish();
                images.add(w.image(otherArchitecture(), List.of(other)));
            }
            Blob top;
            if (multiPlatform) {
                List<Map<String, Object>> manifests = new ArrayList<>();
                for (PlatformImage i : images) {
                    Map<String, Object> d = descriptor(i.manifest());
                    d.put("platform", ordered("architecture", i.architecture(), "os", i.os()));
                    manifests.add(d);
                }
                top = w.json(format.indexType, ordered("schemaVersion", 2, "mediaType", format.indexType, "manifests", manifests));
            } else {
                top = images.get(0).manifest();
            }
            Map<String, Object> ref = descriptor(top);
            ref.put("annotations", ordered("org.opencontainers.image.ref.name", tag));
            Files.writeString(dir.resolve("index.json"),
                    GSON.toJson(ordered("schemaVersion", 2, "mediaType", OCI_INDEX, "manifests", List.of(ref))));
            Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
            return new Layout(dir, tag, format, top, List.copyOf(images));
        }

        private List<byte[]> hostLayers() throws IOException {
            List<byte[]> layers = new ArrayList<>();
            layers.add(rootfs());
            layers.add(new TarWriter().file("hello.txt", 0644, 0, 0, HELLO.getBytes(StandardCharsets.UTF_8)).finish());
            for (Map.Entry<String, String> f : extraFiles.entrySet()) {
                TarWriter t = new TarWriter();
                String parent = f.getKey().contains("/") ? f.getKey().substring(0, f.getKey().lastIndexOf('/')) : "";
                if (!parent.isEmpty()) {
                    t.dir(parent, 0755, 0, 0);
                }
                layers.add(t.file(f.getKey(), 0644, 0, 0, f.getValue().getBytes(StandardCharsets.UTF_8)).finish());
            }
            for (Map.Entry<String, String> l : symlinks.entrySet()) {
                TarWriter t = new TarWriter();
                String parent = l.getKey().contains("/") ? l.getKey().substring(0, l.getKey().lastIndexOf('/')) : "";
                if (!parent.isEmpty()) {
                    t.dir(parent, 0755, 0, 0);
                }
                layers.add(t.symlink(l.getKey(), l.getValue()).finish());
            }
            for (Map.Entry<String, long[]> f : randomFiles.entrySet()) {
                byte[] data = new byte[(int) f.getValue()[0]];
                SplittableRandom random = new SplittableRandom(f.getValue()[1]);
                for (int i = 0; i < data.length; i += 8) {
                    long v = random.nextLong();
                    for (int j = 0; j < 8 && i + j < data.length; j++) {
                        data[i + j] = (byte) (v >>> (8 * j));
                    }
                }
                layers.add(new TarWriter().file(f.getKey(), 0644, 0, 0, data).finish());
            }
            layers.add(new TarWriter().dir("etc", 0755, 0, 0)
                    .file("etc/berth-test", 0644, 0, 0, (marker + "\n").getBytes(StandardCharsets.UTF_8)).finish());
            return layers;
        }

        private static byte[] rootfs() throws IOException {
            TarWriter t = new TarWriter();
            t.dir("bin", 0755, 0, 0);
            t.file("bin/busybox", 0755, 0, 0, Files.readAllBytes(BUSYBOX));
            for (String applet : List.of("sh", "ls", "echo", "cat", "sleep", "id", "head", "tr", "wc", "pwd", "stty", "true",
                    "mkdir", "httpd", "nc")) {
                t.symlink("bin/" + applet, "busybox");
            }
            t.dir("etc", 0755, 0, 0);
            t.file("etc/passwd", 0644, 0, 0, ("root:x:0:0:root:/root:/bin/sh\n"
                    + "app:x:1000:1000:app:/home/app:/bin/sh\n"
                    + "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n").getBytes(StandardCharsets.UTF_8));
            t.file("etc/group", 0644, 0, 0, ("root:x:0:\napp:x:1000:\n" + "staff:x:" + STAFF_GID + ":app\n"
                    + "nogroup:x:65534:\n").getBytes(StandardCharsets.UTF_8));
            t.dir("home", 0755, 0, 0);
            t.dir("home/app", 0755, 1000, 1000);
            t.dir("root", 0700, 0, 0);
            t.dir("tmp", 01777, 0, 0);
            return t.finish();
        }

        /** Writes blobs into one layout directory. */
        private final class LayoutWriter {
            private final Path blobs;

            LayoutWriter(Path dir) throws IOException {
                this.blobs = Files.createDirectories(dir.resolve("blobs/sha256"));
            }

            PlatformImage image(String architecture, List<byte[]> tars) throws IOException {
                List<Blob> layers = new ArrayList<>();
                List<String> diffIds = new ArrayList<>();
                List<Map<String, Object>> history = new ArrayList<>();
                for (byte[] tar : tars) {
                    diffIds.add(sha256(tar));
                    // incompressible (random) layers are stored fast: deflating them at the default level only burns time
                    layers.add(write(format.layerType, tar.length > RANDOM_LAYER_THRESHOLD ? gzip(tar, Deflater.BEST_SPEED) : gzip(tar)));
                    history.add(ordered("created", CREATED, "created_by", "berth itest layer " + layers.size()));
                }
                Map<String, Object> runConfig = new LinkedHashMap<>();
                if (user != null) {
                    runConfig.put("User", user);
                }
                runConfig.put("Env", env);
                if (entrypoint != null) {
                    runConfig.put("Entrypoint", entrypoint);
                }
                runConfig.put("Cmd", cmd);
                runConfig.put("WorkingDir", workingDir);
                runConfig.put("Labels", ordered("dev.berth.itest", marker));
                Blob config = json(format.configType, ordered(
                        "created", CREATED,
                        "architecture", architecture,
                        "os", "linux",
                        "config", runConfig,
                        "rootfs", ordered("type", "layers", "diff_ids", diffIds),
                        "history", history));
                Map<String, Object> manifest = ordered("schemaVersion", 2, "mediaType", format.manifestType,
                        "config", descriptor(config), "layers", layers.stream().map(TestImages::descriptor).toList());
                return new PlatformImage("linux", architecture, json(format.manifestType, manifest), config, List.copyOf(layers),
                        List.copyOf(diffIds));
            }

            Blob json(String mediaType, Object value) throws IOException {
                return write(mediaType, GSON.toJson(value).getBytes(StandardCharsets.UTF_8));
            }

            Blob write(String mediaType, byte[] bytes) throws IOException {
                String digest = sha256(bytes);
                Path p = blobs.resolve(digest.substring("sha256:".length()));
                if (!Files.exists(p)) {
                    Files.write(p, bytes);
                }
                return new Blob(mediaType, digest, bytes.length);
            }
        }
    }

    /**
     * Pushes {@code layout} to {@code destination} ({@code host:port/repo:tag}) over plain HTTP with skopeo, keeping
     * every digest, and asks the registry which digest it serves for the tag.
     *
     * @param credentials basic-auth user and password, or {@code null}
     */
    public static Pushed push(Layout layout, String destination, LocalRegistry.Credentials credentials)
            throws IOException, InterruptedException {
        return push(layout, destination, credentials, credentials == null ? null : credentials.basicHeader());
    }

    /**
     * As {@link #push(Layout, String, LocalRegistry.Credentials)}; skopeo logs in with {@code credentials} itself (basic
     * or token flow), and the digest check afterwards sends {@code authorization} (an Authorization header, or null).
     */
    public static Pushed push(Layout layout, String destination, LocalRegistry.Credentials credentials, String authorization)
            throws IOException, InterruptedException {
        int slash = destination.indexOf('/');
        int colon = destination.lastIndexOf(':');
        if (slash < 0 || colon < slash) {
            throw new IllegalArgumentException("destination must be host:port/repo:tag, got " + destination);
        }
        String host = destination.substring(0, slash);
        String repo = destination.substring(slash + 1, colon);
        String tag = destination.substring(colon + 1);

        List<String> cmd = new ArrayList<>(List.of("skopeo", "--insecure-policy", "copy", "--quiet", "--retry-times", "0",
                "--dest-tls-verify=false", "--preserve-digests"));
        if (layout.isIndex()) {
            cmd.add("--all");
        }
        if (credentials != null) {
            cmd.addAll(List.of("--dest-creds", credentials.username() + ":" + credentials.password()));
        } else {
            cmd.add("--dest-no-creds");
        }
        Path source = skopeoDir(layout);
        try {
            cmd.add("dir:" + source);
            cmd.add("docker://" + destination);
            run(cmd, Duration.ofSeconds(120));
        } finally {
            LocalRegistry.deleteTree(source);
        }

        HttpResponse<byte[]> head = manifestHead(host, repo, tag, authorization);
        String digest = head.headers().firstValue("Docker-Content-Digest")
                .orElseThrow(() -> new IllegalStateException("registry sent no Docker-Content-Digest for " + destination));
        String type = head.headers().firstValue("Content-Type").orElse("");
        return new Pushed(host, repo, tag, digest, type, layout);
    }

    /**
     * The layout as skopeo's {@code dir:} transport reads it: the same bytes, named by hex digest, with list instances
     * as {@code <hex>.manifest.json}. (skopeo 1.9's {@code oci:} source only accepts an OCI image manifest behind a tag,
     * not a Docker manifest or an index; {@code dir:} pushes every kind unchanged.) Blobs are hard links, not copies.
     */
    private static Path skopeoDir(Layout layout) throws IOException {
        Path dir = Files.createTempDirectory(layout.dir().getParent(), "skopeo-dir-");
        Files.writeString(dir.resolve("version"), "Directory Transport Version: 1.1\n");
        Files.copy(layout.blob(layout.top().digest()), dir.resolve("manifest.json"));
        for (PlatformImage i : layout.images()) {
            if (layout.isIndex()) {
                Files.copy(layout.blob(i.manifest().digest()), dir.resolve(hex(i.manifest().digest()) + ".manifest.json"));
            }
            List<Blob> blobs = new ArrayList<>(i.layers());
            blobs.add(i.config());
            for (Blob b : blobs) {
                Path target = dir.resolve(hex(b.digest()));
                if (!Files.exists(target)) {
                    Files.createLink(target, layout.blob(b.digest()));
                }
            }
        }
        return dir;
    }

    private static String hex(String digest) {
        return digest.substring(digest.indexOf(':') + 1);
    }

    /** {@code HEAD /v2/<repo>/manifests/<ref>} accepting every manifest kind, with {@code authorization} (a header value or null); fails unless 200. */
    static HttpResponse<byte[]> manifestHead(String host, String repo, String ref, String authorization)
            throws IOException, InterruptedException {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create("http://" + host + "/v2/" + repo + "/manifests/" + ref))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).header("Accept", ACCEPT_ALL).timeout(Duration.ofSeconds(10));
        if (authorization != null) {
            req.header("Authorization", authorization);
        }
        HttpResponse<byte[]> resp = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
                .send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
        if (resp.statusCode() != 200) {
            throw new IllegalStateException("HEAD " + req.build().uri() + " answered " + resp.statusCode());
        }
        return resp;
    }

    /** Runs a helper tool to completion within {@code timeout}; fails with its output unless it exits 0. */
    static String run(List<String> cmd, Duration timeout) throws IOException, InterruptedException {
        Path out = Files.createTempFile("berth-it-tool-", ".log");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new IllegalStateException(String.join(" ", redact(cmd)) + " did not finish within " + timeout + ":\n"
                        + Files.readString(out));
            }
            String output = Files.readString(out);
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", redact(cmd)) + " exited " + p.exitValue() + ":\n" + output);
            }
            return output;
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static List<String> redact(List<String> cmd) {
        List<String> r = new ArrayList<>(cmd);
        for (int i = 0; i + 1 < r.size(); i++) {
            if (r.get(i).equals("--dest-creds") || r.get(i).equals("--src-creds")) {
                r.set(i + 1, r.get(i + 1).replaceAll(":.*", ":***"));
            }
        }
        return r;
    }

    static Map<String, Object> descriptor(Blob b) {
        return ordered("mediaType", b.mediaType(), "digest", b.digest(), "size", b.size());
    }

    private static Map<String, Object> ordered(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    static byte[] gzip(byte[] data) {
        return gzip(data, Deflater.DEFAULT_COMPRESSION);
    }

    static byte[] gzip(byte[] data, int level) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(data.length / 2);
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes, 1 << 16) {
            {
                def.setLevel(level);
            }
        }) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static String sha256(byte[] data) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }
}
