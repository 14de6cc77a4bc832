package dev.berth.itest.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Proves the registry and image fixtures that ImagesIT relies on, with plain HTTP against the registry (no berthd):
 * what is pushed is served with the expected media types and digests, blobs are intact, images are runnable.
 */
@ExtendWith(Registries.Extension.class)
class RegistryFixtureIT {
    private static final long BUSYBOX_SIZE = sizeOf(TestImages.BUSYBOX);

    @Test
    void ociImageIsServedUnchangedWithIntactBlobs(Registries r) throws Exception {
        LocalRegistry reg = r.start();
        TestImages.Layout layout = r.build(TestImages.busybox(), "1");
        TestImages.Pushed pushed = reg.push(layout, "busybox:1");

        assertThat(pushed.reference()).isEqualTo(reg.host() + "/busybox:1");
        assertThat(pushed.digest()).isEqualTo(layout.digest());
        assertThat(pushed.mediaType()).isEqualTo(TestImages.OCI_MANIFEST);
        assertThat(pushed.digestReference()).isEqualTo(reg.host() + "/busybox@" + layout.digest());

        JsonObject manifest = manifest(reg, "busybox", "1", TestImages.OCI_MANIFEST, layout.digest());
        // the layout itself is a valid OCI image layout for a real consumer
        assertThat(TestImages.run(List.of("skopeo", "inspect", "--raw", "oci:" + layout.dir() + ":1"), Duration.ofSeconds(30)))
                .isEqualTo(Files.readString(layout.blob(layout.digest())));
        assertThat(manifest.get("config").getAsJsonObject().get("mediaType").getAsString()).isEqualTo(TestImages.OCI_CONFIG);
        assertThat(manifest.get("config").getAsJsonObject().get("digest").getAsString()).isEqualTo(layout.configDigest());
        JsonArray layers = manifest.getAsJsonArray("layers");
        assertThat(layers).hasSize(3);

        JsonObject config = JsonParser.parseString(new String(blob(reg, "busybox", layout.configDigest()), StandardCharsets.UTF_8))
                .getAsJsonObject();
        assertThat(config.get("architecture").getAsString()).isEqualTo(TestImages.hostArchitecture())
                .isIn("amd64", "arm64");
        assertThat(config.get("os").getAsString()).isEqualTo("linux");
        JsonObject run = config.getAsJsonObject("config");
        assertThat(run.get("User").getAsString()).isEqualTo("app");
        assertThat(run.get("WorkingDir").getAsString()).isEqualTo("/home/app");
        assertThat(strings(run.getAsJsonArray("Env"))).contains("GREETING=hello");
        assertThat(strings(run.getAsJsonArray("Cmd"))).containsExactly("/bin/sh", "-c", "cat /hello.txt");
        List<String> diffIds = strings(config.getAsJsonObject("rootfs").getAsJsonArray("diff_ids"));
        assertThat(diffIds).isEqualTo(layout.host().diffIds());

        // every layer: served compressed with its digest, and its uncompressed digest is the config's diff_id
        for (int i = 0; i < layers.size(); i++) {
            JsonObject l = layers.get(i).getAsJsonObject();
            assertThat(l.get("mediaType").getAsString()).isEqualTo(TestImages.OCI_LAYER_GZIP);
            byte[] gz = blob(reg, "busybox", l.get("digest").getAsString());
            assertThat(gz).hasSize(l.get("size").getAsInt());
            assertThat(TestImages.sha256(gunzip(gz))).isEqualTo(diffIds.get(i));
        }
        assertThat(layout.host().layersSize()).isLessThan(BUSYBOX_SIZE); // gzip did compress

        // the root file system is a tar GNU tar reads as intended
        String listing = TestImages.run(List.of("tar", "-tvzf", layout.blob(layout.host().layers().get(0).digest()).toString()),
                Duration.ofSeconds(30));
        assertThat(listing).containsPattern("-rwxr-xr-x root/root +" + BUSYBOX_SIZE + " .* bin/busybox")
                .containsPattern("lrwxrwxrwx .* bin/sh -> busybox")
                .containsPattern("drwxrwxrwt .* tmp/")
                .containsPattern("drwxr-xr-x 1000/1000 .* home/app/")
                .contains("etc/passwd", "etc/group");
        for (String applet : List.of("ls", "echo", "cat", "sleep", "id")) {
            assertThat(listing).contains("bin/" + applet + " -> busybox");
        }
    }

    @Test
    void unpackedImageRunsAsItsUser(Registries r) throws Exception {
        TestImages.Layout layout = r.build(TestImages.busybox(), "1");
        Path rootfs = Files.createDirectories(r.dir().resolve("rootfs"));
        for (TestImages.Blob l : layout.host().layers()) {
            TestImages.run(List.of("tar", "-xzpf", layout.blob(l.digest()).toString(), "-C", rootfs.toString()), Duration.ofSeconds(30));
        }
        assertThat(TestImages.run(List.of("chroot", rootfs.toString(), "/bin/sh", "-c", "cat /hello.txt; cat /etc/berth-test"),
                Duration.ofSeconds(30))).isEqualTo(TestImages.HELLO + "berth-itest\n");
        assertThat(TestImages.run(List.of("chroot", "--userspec=1000:1000", rootfs.toString(), "/bin/id"), Duration.ofSeconds(30)))
                .contains("uid=1000(app)", "gid=1000(app)");
    }

    @Test
    void dockerSchema2ImageKeepsDockerMediaTypes(Registries r) throws Exception {
        LocalRegistry reg = r.start();
        TestImages.Layout layout = r.build(TestImages.busybox().format(TestImages.Format.DOCKER), "1");
        TestImages.Pushed pushed = reg.push(layout, "docker/busybox:1");

        assertThat(pushed.mediaType()).isEqualTo(TestImages.DOCKER_MANIFEST);
        assertThat(pushed.digest()).isEqualTo(layout.digest());
        JsonObject manifest = manifest(reg, "docker/busybox", "1", TestImages.DOCKER_MANIFEST, layout.digest());
        assertThat(manifest.get("schemaVersion").getAsInt()).isEqualTo(2);
        assertThat(manifest.getAsJsonObject("config").get("mediaType").getAsString()).isEqualTo(TestImages.DOCKER_CONFIG);
        for (JsonElement l : manifest.getAsJsonArray("layers")) {
            assertThat(l.getAsJsonObject().get("mediaType").getAsString()).isEqualTo(TestImages.DOCKER_LAYER_GZIP);
        }
        assertThat(TestImages.sha256(blob(reg, "docker/busybox", layout.configDigest()))).isEqualTo(layout.configDigest());
    }

    @ParameterizedTest
    @EnumSource(TestImages.Format.class)
    void multiPlatformIndexHasHostAndOtherArchitecture(TestImages.Format format, Registries r) throws Exception {
        LocalRegistry reg = r.start();
        TestImages.Layout layout = r.build(TestImages.busybox().format(format).multiPlatform(), "multi");
        TestImages.Pushed pushed = reg.push(layout, "multi/busybox:multi");

        assertThat(pushed.mediaType()).isEqualTo(format.indexType);
        assertThat(pushed.digest()).isEqualTo(layout.digest());
        JsonObject index = manifest(reg, "multi/busybox", "multi", format.indexType, layout.digest());
        JsonArray entries = index.getAsJsonArray("manifests");
        assertThat(entries).hasSize(2);
        assertThat(entries.asList().stream().map(e -> e.getAsJsonObject().getAsJsonObject("platform").get("architecture").getAsString()))
                .containsExactlyInAnyOrder(TestImages.hostArchitecture(), TestImages.otherArchitecture());
        for (JsonElement e : entries) {
            JsonObject d = e.getAsJsonObject();
            String arch = d.getAsJsonObject("platform").get("architecture").getAsString();
            TestImages.PlatformImage image = layout.platform(arch);
            assertThat(d.get("digest").getAsString()).isEqualTo(image.manifest().digest());
            JsonObject m = manifest(reg, "multi/busybox", image.manifest().digest(), format.manifestType, image.manifest().digest());
            String configDigest = m.getAsJsonObject("config").get("digest").getAsString();
            assertThat(configDigest).isEqualTo(image.config().digest());
            JsonObject config = JsonParser.parseString(new String(blob(reg, "multi/busybox", configDigest), StandardCharsets.UTF_8))
                    .getAsJsonObject();
            assertThat(config.get("architecture").getAsString()).isEqualTo(arch);
            for (TestImages.Blob l : image.layers()) {
                assertThat(TestImages.sha256(blob(reg, "multi/busybox", l.digest()))).isEqualTo(l.digest());
            }
        }
        // the two platforms really are different images
        assertThat(layout.host().config().digest()).isNotEqualTo(layout.platform(TestImages.otherArchitecture()).config().digest());
        assertThat(layout.platform(TestImages.otherArchitecture()).layersSize()).isLessThan(1024);
    }

    @Test
    void authRegistryRequiresBasicCredentials(Registries r) throws Exception {
        LocalRegistry reg = r.startWithAuth("berth", "s3cret");
        LocalRegistry.Credentials good = reg.credentials().orElseThrow();

        HttpResponse<byte[]> anonymous = reg.request("GET", "/v2/", null);
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Basic"));
        assertThat(reg.request("GET", "/v2/", good).statusCode()).isEqualTo(200);
        assertThat(reg.request("GET", "/v2/", new LocalRegistry.Credentials("berth", "wrong")).statusCode()).isEqualTo(401);

        TestImages.Layout layout = r.build(TestImages.busybox(), "1");
        TestImages.Pushed pushed = reg.push(layout, "private/busybox:1");
        assertThat(pushed.digest()).isEqualTo(layout.digest());
        assertThat(reg.request("GET", "/v2/private/busybox/manifests/1", null, "Accept", TestImages.ACCEPT_ALL).statusCode())
                .isEqualTo(401);
        assertThat(reg.request("GET", "/v2/private/busybox/manifests/1", good, "Accept", TestImages.ACCEPT_ALL).statusCode())
                .isEqualTo(200);
        // skopeo without credentials is turned away too
        assertThatThrownBy(() -> TestImages.push(layout, reg.host() + "/private/busybox:2", null))
                .hasMessageContaining("skopeo").hasMessageContaining("unauthorized");
    }

    @Test
    void digestsAreReproducibleAndTagsShareThem(Registries r) throws Exception {
        LocalRegistry reg = r.start();
        TestImages.Layout a = r.build(TestImages.busybox(), "1");
        TestImages.Layout b = r.build(TestImages.busybox(), "latest");
        TestImages.Layout other = r.build(TestImages.busybox().marker("other").user("1000:1000"), "1");
        assertThat(b.digest()).isEqualTo(a.digest());
        assertThat(b.configDigest()).isEqualTo(a.configDigest());
        assertThat(other.configDigest()).isNotEqualTo(a.configDigest());

        TestImages.Pushed one = reg.push(a, "busybox:1");
        TestImages.Pushed latest = reg.push(b, "busybox:latest");
        assertThat(latest.digest()).isEqualTo(one.digest());
        // by digest too, with the very bytes that were written
        HttpResponse<byte[]> byDigest = reg.get("/v2/busybox/manifests/" + one.digest(), "Accept", TestImages.ACCEPT_ALL);
        assertThat(byDigest.statusCode()).isEqualTo(200);
        assertThat(byDigest.body()).isEqualTo(Files.readAllBytes(a.blob(a.digest())));
        assertThat(reg.get("/v2/busybox/manifests/nope", "Accept", TestImages.ACCEPT_ALL).statusCode()).isEqualTo(404);

        TestImages.Pushed numeric = reg.push(other, "numeric:1");
        JsonObject config = JsonParser.parseString(new String(blob(reg, "numeric", numeric.configDigest()), StandardCharsets.UTF_8))
                .getAsJsonObject();
        assertThat(config.getAsJsonObject("config").get("User").getAsString()).isEqualTo("1000:1000");
    }

    @Test
    void closeKillsTheRegistryAndRemovesItsFiles(Registries r) throws Exception {
        LocalRegistry reg = LocalRegistry.start();
        String host = reg.host();
        try {
            assertThat(reg.get("/v2/").statusCode()).isEqualTo(200);
        } finally {
            reg.close();
        }
        assertThat(reg.isAlive()).isFalse();
        assertThatThrownBy(() -> reg.get("/v2/")).isInstanceOf(ConnectException.class);
        assertThat(reg.output()).isEmpty(); // its directory (and log) are gone
        assertThat(host).startsWith("127.0.0.1:");

        int closed = r.closedPort();
        assertThatThrownBy(() -> new java.net.Socket("127.0.0.1", closed).close()).isInstanceOf(ConnectException.class);
    }

    /** GETs a manifest by tag or digest; checks its Content-Type, Docker-Content-Digest and that its bytes hash to it. */
    private static JsonObject manifest(LocalRegistry reg, String repo, String ref, String mediaType, String digest)
            throws IOException, InterruptedException {
        HttpResponse<byte[]> resp = reg.get("/v2/" + repo + "/manifests/" + ref, "Accept", TestImages.ACCEPT_ALL);
        assertThat(resp.statusCode()).as("GET manifest %s:%s", repo, ref).isEqualTo(200);
        assertThat(resp.headers().firstValue("Content-Type")).hasValue(mediaType);
        assertThat(resp.headers().firstValue("Docker-Content-Digest")).hasValue(digest);
        assertThat(TestImages.sha256(resp.body())).isEqualTo(digest);
        JsonObject m = JsonParser.parseString(new String(resp.body(), StandardCharsets.UTF_8)).getAsJsonObject();
        assertThat(m.get("mediaType").getAsString()).isEqualTo(mediaType);
        return m;
    }

    private static byte[] blob(LocalRegistry reg, String repo, String digest) throws IOException, InterruptedException {
        HttpResponse<byte[]> resp = reg.get("/v2/" + repo + "/blobs/" + digest);
        assertThat(resp.statusCode()).as("GET blob %s", digest).isEqualTo(200);
        assertThat(TestImages.sha256(resp.body())).isEqualTo(digest);
        return resp.body();
    }

    private static byte[] gunzip(byte[] gz) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            return in.readAllBytes();
        }
    }

    private static List<String> strings(JsonArray a) {
        return a.asList().stream().map(JsonElement::getAsString).toList();
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
