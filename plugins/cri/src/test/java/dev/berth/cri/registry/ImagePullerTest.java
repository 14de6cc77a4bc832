package dev.berth.cri.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.content.ContentLabels;
import dev.berth.core.content.Digest;
import dev.berth.core.content.Info;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ImagePullerTest {
    private static final Platform AMD64 = new Platform("linux", "amd64", "");
    private static final Platform ARM64 = new Platform("linux", "arm64", "");

    private FakeRegistry registry;
    private InMemoryContentStore store;
    private ExecutorService pool;
    private final TestImage image = new TestImage(42);

    @BeforeEach
    void setUp() throws Exception {
        registry = new FakeRegistry();
        registry.putImage("team/app", "v1", image);
        store = new InMemoryContentStore();
        pool = Executors.newFixedThreadPool(8);
    }

    @AfterEach
    void tearDown() {
        registry.close();
        pool.shutdownNow();
    }

    private ImagePuller puller(RegistryConfig config) {
        return new ImagePuller(store, new RegistryClient(config, Duration.ofMillis(1), Clock.systemUTC()), pool);
    }

    private ImagePuller puller() {
        return puller(RegistryConfig.defaults());
    }

    private ImageReference ref(String tagOrDigest) {
        return ImageReference.parse(registry.host() + "/team/app" + (tagOrDigest.startsWith("sha256:") ? "@" : ":") + tagOrDigest);
    }

    private void assertNothingLeft() {
        assertThat(store.ingests()).isEmpty();
        assertThat(store.leases()).isEmpty();
    }

    @Test
    void pullsThePlatformsManifestFromAnIndexAndLabelsEverythingForGc() {
        PulledImage p = puller().pull(ref("v1"), Credentials.none(), AMD64);

        assertThat(p.target()).isEqualTo(image.indexDigest);
        assertThat(p.manifest()).isEqualTo(image.amd64.manifestDigest());
        assertThat(p.config()).isEqualTo(image.amd64.configDigest());
        assertThat(p.layers()).extracting(Descriptor::digest).containsExactlyElementsOf(image.amd64.layerDigests());
        assertThat(p.layers()).extracting(Descriptor::mediaType).containsOnly(MediaTypes.OCI_LAYER_GZIP);
        assertThat(p.size()).isEqualTo(image.amd64.config().length + 300_000 + 70_000);
        assertThat(p.repoDigest()).isEqualTo(registry.host() + "/team/app@" + image.indexDigest);

        ImageConfig c = p.imageConfig();
        assertThat(c.user()).isEqualTo("1000:1000");
        assertThat(c.env()).containsExactly("PATH=/usr/bin:/bin", "A=b");
        assertThat(c.entrypoint()).containsExactly("/bin/app");
        assertThat(c.cmd()).containsExactly("--serve");
        assertThat(c.workingDir()).isEqualTo("/srv");
        assertThat(c.labels()).containsEntry("org.example", "yes");
        assertThat(c.stopSignal()).isEqualTo("SIGTERM");
        assertThat(c.exposedPorts()).containsExactly("53/udp", "8080/tcp");
        assertThat(c.diffIds()).hasSize(2);
        assertThat(c.architecture()).isEqualTo("amd64");

        Info index = store.info(image.indexDigest).orElseThrow();
        assertThat(index.labels()).containsEntry(ContentLabels.gcRefContent("m.0"), image.amd64.manifestDigest().toString());
        Info manifest = store.info(image.amd64.manifestDigest()).orElseThrow();
        assertThat(manifest.labels())
                .containsEntry(ContentLabels.gcRefContent("config"), image.amd64.configDigest().toString())
                .containsEntry(ContentLabels.gcRefContent("l.0"), image.amd64.layerDigests().get(0).toString())
                .containsEntry(ContentLabels.gcRefContent("l.1"), image.amd64.layerDigests().get(1).toString());
        for (int i = 0; i < 2; i++) {
            assertThat(store.bytes(image.amd64.layerDigests().get(i))).isEqualTo(image.amd64.layers().get(i));
        }
        assertThat(store.bytes(image.amd64.configDigest())).isEqualTo(image.amd64.config());
        assertThat(store.info(image.arm64.configDigest())).isEmpty();
        assertThat(store.leaseHistory).hasSize(1);
        assertNothingLeft();
        assertThat(ImagePuller.parseConfig(store.bytes(p.config()))).isEqualTo(c);
    }

    @Test
    void picksArm64AndRefusesAPlatformTheIndexLacks() {
        PulledImage p = puller().pull(ref("v1"), Credentials.none(), ARM64);
        assertThat(p.manifest()).isEqualTo(image.arm64.manifestDigest());
        assertThat(store.info(image.indexDigest).orElseThrow().labels())
                .containsEntry(ContentLabels.gcRefContent("m.1"), image.arm64.manifestDigest().toString());

        assertThatThrownBy(() -> puller().pull(ref("v1"), Credentials.none(), new Platform("linux", "s390x", "")))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.NOT_FOUND))
                .hasMessageContaining("no manifest for platform linux/s390x in " + ref("v1"))
                .hasMessageContaining("linux/amd64, linux/arm64");
        assertNothingLeft();
    }

    @Test
    void pullsByDigestAndAManifestWithoutIndex() {
        registry.putManifest("team/single", "latest", MediaTypes.OCI_MANIFEST, image.amd64.manifest());
        PulledImage p = puller().pull(ImageReference.parse(registry.host() + "/team/single"), Credentials.none(), ARM64);
        assertThat(p.target()).isEqualTo(image.amd64.manifestDigest()).isEqualTo(p.manifest());

        PulledImage byDigest = puller().pull(ref(image.arm64.manifestDigest().toString()), Credentials.none(), ARM64);
        assertThat(byDigest.target()).isEqualTo(image.arm64.manifestDigest());
        assertNothingLeft();
    }

    @Test
    void unknownTagIsNotFoundNamingTheReference() {
        assertThatThrownBy(() -> puller().pull(ref("nope"), Credentials.none(), AMD64))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.NOT_FOUND))
                .hasMessageContaining(registry.host() + "/team/app:nope");
        assertNothingLeft();
    }

    @Test
    void corruptedLayerFailsAndLeavesNoBlobNoIngestNoLease() {
        Digest bad = image.amd64.layerDigests().get(0);
        registry.corrupt.add(bad);
        assertThatThrownBy(() -> puller().pull(ref("v1"), Credentials.none(), AMD64))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION))
                .hasMessageContaining("digest mismatch")
                .hasMessageContaining(bad.toString());
        assertThat(store.info(bad)).isEmpty();
        assertThat(store.info(image.amd64.manifestDigest())).isEmpty();
        assertThat(store.info(image.indexDigest)).isEmpty();
        assertNothingLeft();
    }

    @Test
    void missingLayerWhileAnotherDownloadsFailsAndCleansUp() {
        registry.removeBlob(image.amd64.layerDigests().get(1));
        registry.blobDelayMs = 100;
        assertThatThrownBy(() -> puller().pull(ref("v1"), Credentials.none(), AMD64))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.NOT_FOUND))
                .hasMessageContaining(image.amd64.layerDigests().get(1).toString());
        assertThat(store.info(image.amd64.manifestDigest())).isEmpty();
        assertNothingLeft();
    }

    @Test
    void blobDroppedHalfwayIsResumedWithARangeRequest() {
        Digest big = image.amd64.layerDigests().get(0);
        registry.dropHalfwayOnce.add(big);
        puller().pull(ref("v1"), Credentials.none(), AMD64);
        assertThat(store.bytes(big)).isEqualTo(image.amd64.layers().get(0));
        List<String> gets = registry.requests.stream().filter(r -> r.contains("/blobs/" + big)).toList();
        assertThat(gets).hasSize(2);
        assertThat(gets.get(1)).matches(".*Range: bytes=\\d+-$");
        assertThat(gets.get(1)).doesNotContain("Range: bytes=0-");
        assertNothingLeft();
    }

    @Test
    void countsTheBytesItDownloadsAndNotWhatItAlreadyHas() {
        java.util.concurrent.atomic.AtomicLong bytes = new java.util.concurrent.atomic.AtomicLong();
        ImagePuller counting = new ImagePuller(store, new RegistryClient(RegistryConfig.defaults(), Duration.ofMillis(1),
                Clock.systemUTC()), pool, bytes::addAndGet);
        Digest big = image.amd64.layerDigests().get(0);
        registry.dropHalfwayOnce.add(big);
        counting.pull(ref("v1"), Credentials.none(), AMD64);
        long small = image.index.length + image.amd64.manifest().length + image.amd64.config().length;
        assertThat(bytes.get()).as("resumed, so the first half is not fetched twice").isEqualTo(small + 300_000 + 70_000);

        bytes.set(0);
        counting.pull(ref("v1"), Credentials.none(), AMD64);
        assertThat(bytes.get()).as("layers already stored").isEqualTo(small);
        assertNothingLeft();
    }

    @Test
    void serverIgnoringRangeIsRestartedFromTheStart() {
        Digest big = image.amd64.layerDigests().get(0);
        registry.dropHalfwayOnce.add(big);
        registry.honourRange = false;
        puller().pull(ref("v1"), Credentials.none(), AMD64);
        assertThat(store.bytes(big)).isEqualTo(image.amd64.layers().get(0));
        assertNothingLeft();
    }

    @Test
    void oversizeManifestIsRefused() {
        RegistryConfig small = RegistryConfig.defaults().withLimits(3, 200, 8 << 20, 3);
        assertThatThrownBy(() -> puller(small).pull(ref("v1"), Credentials.none(), AMD64))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.RESOURCE_EXHAUSTED))
                .hasMessageContaining("max_manifest_size");
        RegistryConfig tinyConfig = RegistryConfig.defaults().withLimits(3, 4 << 20, 100, 3);
        assertThatThrownBy(() -> puller(tinyConfig).pull(ref("v1"), Credentials.none(), AMD64))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.RESOURCE_EXHAUSTED))
                .hasMessageContaining("max_config_size");
        assertNothingLeft();
    }

    @Test
    void concurrentPullsOfOneImageDownloadEachBlobOnce() throws Exception {
        registry.blobDelayMs = 150;
        ImagePuller puller = puller();
        CompletableFuture<PulledImage> a = CompletableFuture.supplyAsync(() -> puller.pull(ref("v1"), Credentials.none(), AMD64));
        CompletableFuture<PulledImage> b = CompletableFuture.supplyAsync(() -> puller.pull(ref("v1"), Credentials.none(), AMD64));
        assertThat(a.get().config()).isEqualTo(b.get().config());
        for (Digest d : image.amd64.layerDigests()) {
            assertThat(registry.blobGets(d)).as("GETs of %s", d).isEqualTo(1);
        }
        assertNothingLeft();
    }

    @Test
    void secondPullFindsEverythingStored() {
        puller().pull(ref("v1"), Credentials.none(), AMD64);
        int before = registry.requests.size();
        PulledImage again = puller().pull(ref("v1"), Credentials.none(), AMD64);
        assertThat(again.manifest()).isEqualTo(image.amd64.manifestDigest());
        assertThat(registry.requests.subList(before, registry.requests.size())).noneMatch(r -> r.contains("/blobs/sha256:"
                + image.amd64.layerDigests().get(0).hex()));
        assertNothingLeft();
    }

    @Test
    void whileLeasedSeesTheLeaseAndItsResources() {
        puller().pull(ref("v1"), Credentials.none(), AMD64, p -> {
            assertThat(store.leases()).hasSize(1);
            assertThat(store.leases().get(0).resources()).contains(p.target(), p.manifest(), p.config());
        });
        assertNothingLeft();
    }

    @Test
    void ownPoolPullerWorksAndCloses() {
        try (ImagePuller own = new ImagePuller(store, RegistryConfig.defaults())) {
            assertThat(own.pull(ref("v1"), null, AMD64).manifest()).isEqualTo(image.amd64.manifestDigest());
        }
    }
}
