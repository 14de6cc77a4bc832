package dev.berth.itest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.berth.api.cri.v1.AuthConfig;
import dev.berth.api.cri.v1.Image;
import dev.berth.api.cri.v1.ImageServiceGrpc;
import dev.berth.api.cri.v1.ImageSpec;
import dev.berth.api.cri.v1.ImageStatusRequest;
import dev.berth.api.cri.v1.ImageStatusResponse;
import dev.berth.api.cri.v1.ListImagesRequest;
import dev.berth.api.cri.v1.PullImageRequest;
import dev.berth.api.cri.v1.RemoveImageRequest;
import dev.berth.itest.registry.HostileRegistry;
import dev.berth.itest.registry.LocalRegistry;
import dev.berth.itest.registry.Registries;
import dev.berth.itest.registry.TestImages;
import dev.berth.itest.registry.ThrottledProxy;
import dev.berth.itest.registry.TokenServer;
import dev.berth.testing.reliability.Fault;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * PullImage when things go wrong, against a real berthd and a real docker-registry: token auth, a corrupted blob,
 * the registry killed mid-download, berthd killed (SIGKILL) mid-download, a registry that stops sending mid-download,
 * and many pulls of one image at once. After each, what the daemon shows is consistent: an image is listed only when
 * complete, no ingest is left behind after a successful pull, and every blob in the content store matches its digest.
 */
@ExtendWith({Daemons.class, Registries.Extension.class})
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class PullFaultsIT {
    private static final String REGISTRY_TABLE = "[plugins.\"io.berth.grpc.v1.cri\".registry]";
    /** The content store's directory under the daemon root. */
    private static final String CONTENT = "root/io.berth.content.v1.local";
    /** Size of the incompressible layer that makes a pull long enough to interrupt. */
    private static final int BIG_LAYER = 64 << 20;
    /** Ingest bytes to wait for before interrupting: more than any small layer, so the big one is well underway. */
    private static final long INTERRUPT_AT = 8 << 20;
    /** Answer rate of the proxy in front of the registry: the big layer then takes about 2.5 s. */
    private static final long RATE = 24L << 20;
    /** PullImage deadline for big pulls (generous: the machine is shared with other builds). */
    private static final long PULL_SECONDS = 180;
    private static final Duration WAIT = Duration.ofSeconds(90);

    // ---- token auth ------------------------------------------------------------------------------------------------

    @Fault(value = "pull from a token-auth registry without or with wrong credentials",
            expect = "UNAUTHENTICATED/PERMISSION_DENIED naming the registry; nothing kept; right credentials work")
    @Test
    void tokenAuthRegistryRefusesAnonymousPullsAndServesTheKubeletsUser(Daemons.Session s, Registries r) throws Exception {
        LocalRegistry reg = r.start(LocalRegistry.options().tokenAuth("berth", "s3cret"));
        TokenServer tokens = reg.tokenServer().orElseThrow();
        TestImages.Pushed busybox = reg.push(r.build(TestImages.busybox(), "1"), "private/busybox:1"); // skopeo did the token flow
        // the registry really wants a bearer token from our token server
        HttpResponse<byte[]> anonymous = reg.request("GET", "/v2/private/busybox/manifests/1", null, "Accept", TestImages.ACCEPT_ALL);
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.headers().firstValue("WWW-Authenticate").orElse(""))
                .startsWith("Bearer ").contains("realm=\"" + tokens.realm() + "\"").contains("service=\"" + TokenServer.SERVICE + "\"");
        Berthd d = s.start(config(s, 1));

        // no credentials: the token server hands out an anonymous token, which the registry refuses
        assertDenied(() -> d.images().pullImage(pull(busybox.reference())), reg.host());
        // wrong password: the token server itself refuses
        int refusedBefore = tokens.refused();
        assertDenied(() -> d.images().pullImage(pull(busybox.reference(), auth("berth", "wrong"))), reg.host());
        assertThat(tokens.refused()).as("token requests refused").isEqualTo(refusedBefore + 1);
        assertThat(d.images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList()).isEmpty();

        int issuedBefore = tokens.issued();
        String imageRef = d.images().pullImage(pull(busybox.reference(), auth("berth", "s3cret"))).getImageRef();

        assertThat(imageRef).isEqualTo(busybox.configDigest());
        // one token serves the whole pull (manifest, config, layers): berthd caches it for its scope
        assertThat(tokens.issued() - issuedBefore).as("tokens fetched for one pull").isEqualTo(1);
        assertThat(tokens.requests()).anySatisfy(q -> assertThat(q).startsWith("berth ")
                .contains("scope=repository%3Aprivate%2Fbusybox%3Apull").contains("service=" + TokenServer.SERVICE));
        Image img = status(d, busybox.reference()).getImage();
        assertThat(img.getId()).isEqualTo(imageRef);
        assertThat(img.getRepoDigestsList()).containsExactly(busybox.digestReference());
        assertThat(d.log()).doesNotContain("s3cret");
        assertNoIngest(content(d));
    }

    /** The kubelet sends each pull the pod's own pull secret: another pod's credentials must not be reused. */
    @Fault(value = "a pull without credentials after one with them (bearer token)",
            expect = "denied: one pull's token never serves another")
    @Test
    void aTokenObtainedWithOnePullsCredentialsIsNotReusedForAPullWithout(Daemons.Session s, Registries r) throws Exception {
        LocalRegistry reg = r.start(LocalRegistry.options().tokenAuth("berth", "s3cret"));
        TestImages.Pushed busybox = reg.push(r.build(TestImages.busybox(), "1"), "private/busybox:1");
        Berthd d = s.start(config(s, 1));
        String imageRef = d.images().pullImage(pull(busybox.reference(), auth("berth", "s3cret"))).getImageRef();
        d.images().removeImage(RemoveImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(imageRef)).build());

        assertDenied(() -> d.images().pullImage(pull(busybox.reference())), reg.host());
        assertDenied(() -> d.images().pullImage(pull(busybox.reference(), auth("berth", "wrong"))), reg.host());
        assertThat(d.images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList()).isEmpty();
    }

    /** The same with basic auth: the cached basic header of one pull must not serve another pull. */
    @Fault(value = "a pull without credentials after one with them (basic auth)",
            expect = "denied: one pull's credentials never serve another")
    @Test
    void basicCredentialsOfOnePullAreNotReusedForAPullWithout(Daemons.Session s, Registries r) throws Exception {
        LocalRegistry reg = r.startWithAuth("berth", "s3cret");
        TestImages.Pushed busybox = reg.push(r.build(TestImages.busybox(), "1"), "private/busybox:1");
        Berthd d = s.start(config(s, 1));
        String imageRef = d.images().pullImage(pull(busybox.reference(), auth("berth", "s3cret"))).getImageRef();
        d.images().removeImage(RemoveImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(imageRef)).build());

        assertDenied(() -> d.images().pullImage(pull(busybox.reference())), reg.host());
        assertDenied(() -> d.images().pullImage(pull(busybox.reference(), auth("berth", "wrong"))), reg.host());
        assertThat(d.images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList()).isEmpty();
    }

    // ---- corrupted content -----------------------------------------------------------------------------------------

    @Fault(value = "registry serves a corrupted layer or config",
            expect = "FAILED_PRECONDITION naming the digest; nothing corrupt kept; the next pull works")
    @Test
    void corruptedBlobFailsThePullNamingItsDigestAndKeepsNothing(Daemons.Session s, Registries r) throws Exception {
        LocalRegistry reg = r.start();
        TestImages.Pushed busybox = reg.push(r.build(TestImages.busybox(), "1"), "busybox:1");
        TestImages.Blob layer = biggest(busybox);
        Berthd d = s.start(config(s, 1));
        Path content = content(d);

        try (Corruption c = Corruption.of(reg.blobData(layer.digest()))) {
            assertCode(() -> d.images().pullImage(pull(busybox.reference())), Status.Code.FAILED_PRECONDITION, layer.digest());
            assertThat(d.images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList()).isEmpty();
            assertThat(status(d, busybox.reference()).hasImage()).isFalse();
            assertThat(blob(content, layer.digest())).as("the corrupt layer in the content store").doesNotExist();
            assertNoIngest(content);
            assertBlobsIntact(content);
        }
        // the config is fetched into memory, not streamed: checked all the same
        String config = busybox.configDigest();
        try (Corruption c = Corruption.of(reg.blobData(config))) {
            assertCode(() -> d.images().pullImage(pull(busybox.reference())), Status.Code.FAILED_PRECONDITION, config);
            assertThat(d.images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList()).isEmpty();
            assertThat(blob(content, config)).doesNotExist();
        }

        // the registry serves the right bytes again: nothing bad was kept, so the pull just works
        String imageRef = d.images().pullImage(pull(busybox.reference())).getImageRef();

        assertThat(imageRef).isEqualTo(busybox.configDigest());
        assertThat(ids(d)).containsExactly(imageRef);
        assertThat(blob(content, layer.digest())).exists();
        assertNoIngest(content);
        assertBlobsIntact(content);
    }

    // ---- interrupted downloads -------------------------------------------------------------------------------------

    @Fault(value = "registry killed in the middle of a layer download, then back",
            expect = "the pull resumes, or fails UNAVAILABLE cleanly and the next one works")
    @Test
    void registryKilledMidPullThenRestartedEitherResumesOrFailsCleanly(Daemons.Session s, Registries r) throws Exception {
        LocalRegistry reg = r.start();
        TestImages.Pushed big = reg.push(r.build(TestImages.busybox().randomLayer("data/big.bin", BIG_LAYER, 42), "1"), "big:1");
        ThrottledProxy proxy = r.throttle(reg, RATE);
        String ref = proxy.host() + "/big:1";
        // a few attempts with backoff (0.2 + 0.4 + 0.8 + 1.6 s): time for the registry to come back
        Berthd d = s.start(config(s, 5));
        Path content = content(d);
        ExecutorService pool = Executors.newCachedThreadPool(daemonThreads());
        try {
            Future<String> first = pool.submit(() -> images(d).pullImage(pull(ref)).getImageRef());
            long seen = awaitIngestData(content, first, INTERRUPT_AT);

            reg.kill();
            Instant killedAt = Instant.now();
            reg.restart();
            System.out.printf("registry killed with %d bytes of the layer in the ingest, back after %d ms%n", seen,
                    Duration.between(killedAt, Instant.now()).toMillis());

            String imageRef;
            try {
                imageRef = first.get(PULL_SECONDS + 10, TimeUnit.SECONDS);
                System.out.println("the interrupted pull resumed and completed");
                assertThat(d.log()).contains("interrupted at"); // the client noticed the break and went on
            } catch (ExecutionException e) {
                StatusRuntimeException sre = statusOf(e);
                assertThat(sre.getStatus().getCode()).as("status of %s", sre.getStatus()).isEqualTo(Status.Code.UNAVAILABLE);
                assertThat(sre.getStatus().getDescription()).contains(proxy.host());
                System.out.println("the interrupted pull failed cleanly: " + sre.getStatus());
                // failed cleanly: nothing listed, nothing half-written left to be mistaken for content
                assertThat(d.images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList()).isEmpty();
                assertNoIngest(content);
                assertBlobsIntact(content);
                imageRef = images(d).pullImage(pull(ref)).getImageRef();
            }

            assertThat(imageRef).isEqualTo(big.configDigest());
            assertPulledCompletely(d, ref, proxy.host() + "/big@" + big.digest(), big);
        } finally {
            pool.shutdownNow();
        }
    }

    @Fault(value = "registry down for longer than the retries",
            expect = "UNAVAILABLE naming the registry; no ingest, no image; the next pull works")
    @Test
    void registryDownLongerThanTheRetriesFailsThePullCleanlyAndTheNextPullWorks(Daemons.Session s, Registries r) throws Exception {
        LocalRegistry reg = r.start();
        TestImages.Pushed big = reg.push(r.build(TestImages.busybox().randomLayer("data/big.bin", BIG_LAYER, 45), "1"), "big:1");
        ThrottledProxy proxy = r.throttle(reg, RATE);
        String ref = proxy.host() + "/big:1";
        Berthd d = s.start(config(s, 2));
        Path content = content(d);
        ExecutorService pool = Executors.newCachedThreadPool(daemonThreads());
        try {
            Future<String> first = pool.submit(() -> images(d).pullImage(pull(ref)).getImageRef());
            awaitIngestData(content, first, INTERRUPT_AT);

            reg.kill(); // and it stays down until the pull has given up
            Instant killedAt = Instant.now();
            ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                    () -> first.get(60, TimeUnit.SECONDS));
            StatusRuntimeException sre = statusOf(e);
            assertThat(sre.getStatus().getCode()).as("status of %s", sre.getStatus()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(sre.getStatus().getDescription()).contains(proxy.host());
            assertThat(Duration.between(killedAt, Instant.now())).as("with retries = 2").isLessThan(Duration.ofSeconds(30));
        } finally {
            pool.shutdownNow();
        }
        assertThat(d.images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList()).isEmpty();
        assertThat(status(d, ref).hasImage()).isFalse();
        assertThat(blob(content, biggest(big).digest())).as("the big layer").doesNotExist();
        assertNoIngest(content); // a failed pull leaves no ingest behind
        assertBlobsIntact(content);

        reg.restart();
        String imageRef = images(d).pullImage(pull(ref)).getImageRef();

        assertThat(imageRef).isEqualTo(big.configDigest());
        assertPulledCompletely(d, ref, proxy.host() + "/big@" + big.digest(), big);
    }

    @Fault(value = "berthd killed (SIGKILL) in the middle of a pull",
            expect = "after restart no half image is listed and the pull completes")
    @Test
    void berthdKilledMidPullRestartsAndCompletesThePull(Daemons.Session s, Registries r) throws Exception {
        LocalRegistry reg = r.start();
        TestImages.Pushed big = reg.push(r.build(TestImages.busybox().randomLayer("data/big.bin", BIG_LAYER, 43), "1"), "big:1");
        ThrottledProxy proxy = r.throttle(reg, RATE);
        String ref = proxy.host() + "/big:1";
        TestConfig c = config(s, 3);
        Berthd first = s.start(c);
        Path content = content(first);
        ExecutorService pool = Executors.newCachedThreadPool(daemonThreads());
        try {
            Future<String> pulling = pool.submit(() -> images(first).pullImage(pull(ref)).getImageRef());
            long seen = awaitIngestData(content, pulling, INTERRUPT_AT);

            ProcessHandle.of(first.process().pid()).ifPresent(ProcessHandle::destroyForcibly); // SIGKILL
            assertThat(first.awaitExit(Duration.ofSeconds(30))).as("exit status after SIGKILL").isEqualTo(128 + 9);
            try {
                pulling.get(30, TimeUnit.SECONDS);
                fail("PullImage answered although berthd was killed during it");
            } catch (ExecutionException e) {
                statusOf(e); // the client sees the connection go: UNAVAILABLE or similar
            }
            Files.copy(c.dir().resolve("berthd.log"), c.dir().resolve("berthd-killed.log"));
            System.out.printf("berthd killed with %d bytes of the layer in the ingest (%d on disk after the kill)%n", seen,
                    ingestBytes(content));
        } finally {
            pool.shutdownNow();
        }

        Berthd second = s.start(c);

        // only a complete image may be listed; this one never completed
        List<Image> listed = second.images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList();
        assertThat(listed).isEmpty();
        assertThat(status(second, ref).hasImage()).isFalse();
        assertBlobsIntact(content);

        String imageRef = images(second).pullImage(pull(ref)).getImageRef();

        assertThat(imageRef).isEqualTo(big.configDigest());
        assertPulledCompletely(second, ref, proxy.host() + "/big@" + big.digest(), big);
        System.out.println("after the restart the layer download " + (second.log().contains("resuming download of layer")
                ? "resumed from the ingest left by the killed daemon" : "started over"));
    }

    @Test
    void registryThatStopsSendingMidBlobIsCutAfterTheProgressTimeout(Daemons.Session s, Registries r) throws Exception {
        LocalRegistry reg = r.start();
        TestImages.Pushed big = reg.push(r.build(TestImages.busybox().randomLayer("data/big.bin", BIG_LAYER, 46), "1"), "big:1");
        TestImages.Blob layer = biggest(big);
        ThrottledProxy proxy = r.throttle(reg, RATE);
        String ref = proxy.host() + "/big:1";
        Berthd d = s.start(config(s, 3).append("[plugins.\"io.berth.grpc.v1.cri\"]\nimage_pull_progress_timeout = \"2s\"\n"));
        Path content = content(d);
        ExecutorService pool = Executors.newCachedThreadPool(daemonThreads());
        try {
            Future<String> first = pool.submit(() -> images(d).pullImage(pull(ref)).getImageRef());
            awaitIngestData(content, first, INTERRUPT_AT);

            proxy.stall(true); // the connection stays open, nothing more comes
            Instant stalledAt = Instant.now();
            ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                    () -> first.get(60, TimeUnit.SECONDS));
            Duration took = Duration.between(stalledAt, Instant.now());
            StatusRuntimeException sre = statusOf(e);
            System.out.printf("a stalled pull failed %d ms after the stall: %s%n", took.toMillis(), sre.getStatus());
            assertThat(sre.getStatus().getCode()).as("status of %s", sre.getStatus()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
            assertThat(sre.getStatus().getDescription()).contains(ref, layer.digest(), "2s", "image_pull_progress_timeout");
            assertThat(took).as("cut after the 2 s progress timeout, not a retry timeout").isBetween(Duration.ofSeconds(1),
                    Duration.ofSeconds(20));
        } finally {
            pool.shutdownNow();
        }
        assertThat(d.images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList()).isEmpty();
        assertThat(blob(content, layer.digest())).as("the big layer").doesNotExist();
        assertNoIngest(content);
        assertBlobsIntact(content);

        proxy.stall(false); // a registry that moves again serves the next pull in full
        String imageRef = images(d).pullImage(pull(ref)).getImageRef();

        assertThat(imageRef).isEqualTo(big.configDigest());
        assertPulledCompletely(d, ref, proxy.host() + "/big@" + big.digest(), big);
    }

    @Fault(value = "the kubelet's PullImage deadline passes mid-download",
            expect = "the download stops within seconds; no ingest, blob or image left; a later pull works")
    @Test
    void aPullWhoseClientDeadlinePassesStopsDownloadingAndLeavesNothing(Daemons.Session s, Registries r) throws Exception {
        LocalRegistry reg = r.start();
        TestImages.Pushed big = reg.push(r.build(TestImages.busybox().randomLayer("data/big.bin", BIG_LAYER, 47), "1"), "big:1");
        TestImages.Blob layer = biggest(big);
        ThrottledProxy proxy = r.throttle(reg, RATE / 8); // 3 MiB/s: the 64 MiB layer would take ~20 s
        String ref = proxy.host() + "/big:1";
        Berthd d = s.start(config(s, 3));
        Path content = content(d);
        assertThatThrownBy(() -> ImageServiceGrpc.newBlockingStub(d.channel().channel())
                .withDeadlineAfter(3, TimeUnit.SECONDS).pullImage(pull(ref)))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
        Instant gone = Instant.now();
        // berthd notices within its poll period, drops the connection and removes its ingest
        long served = -1;
        Instant until = gone.plusSeconds(15);
        while (Instant.now().isBefore(until)) {
            long now = proxy.responseBytes();
            boolean quiet = now == served;
            served = now;
            if (quiet && ingests(content).isEmpty()) {
                break;
            }
            Thread.sleep(500);
        }
        System.out.printf("a pull past its deadline stopped within %d ms, after %d bytes were served%n",
                Duration.between(gone, Instant.now()).toMillis(), served);
        assertThat(ingests(content)).as("ingests left").isEmpty();
        assertThat(served).as("berthd stopped reading the layer").isLessThan(BIG_LAYER);
        assertThat(d.log()).contains("pull of " + ref + " cancelled: the client has gone");
        assertThat(blob(content, layer.digest())).as("the big layer").doesNotExist();
        assertThat(d.images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList()).isEmpty();
        assertBlobsIntact(content);

        String imageRef = images(d).pullImage(pull(ref)).getImageRef();
        assertThat(imageRef).isEqualTo(big.configDigest());
    }

    // ---- concurrency -----------------------------------------------------------------------------------------------

    @Fault(value = "four pulls of one image at once",
            expect = "each layer downloaded once; one complete image")
    @Test
    void concurrentPullsOfOneImageShareEachLayerDownload(Daemons.Session s, Registries r) throws Exception {
        LocalRegistry reg = r.start(LocalRegistry.options().accessLog());
        TestImages.Pushed img = reg.push(r.build(TestImages.busybox().randomLayer("data/mid.bin", 16 << 20, 44), "1"), "shared:1");
        ThrottledProxy proxy = r.throttle(reg, RATE); // slow enough that the pulls overlap
        String ref = proxy.host() + "/shared:1";
        List<TestImages.Blob> layers = img.layout().host().layers();
        List<Long> before = new ArrayList<>();
        for (TestImages.Blob l : layers) {
            before.add(reg.requestCount("GET", "/v2/shared/blobs/" + l.digest()));
        }
        Berthd d = s.start(config(s, 3));
        int pulls = 4;
        ExecutorService pool = Executors.newFixedThreadPool(pulls, daemonThreads());
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < pulls; i++) {
                results.add(pool.submit(() -> {
                    go.await();
                    return images(d).pullImage(pull(ref)).getImageRef();
                }));
            }
            go.countDown();
            for (Future<String> f : results) {
                assertThat(f.get(PULL_SECONDS + 10, TimeUnit.SECONDS)).isEqualTo(img.configDigest());
            }
        } finally {
            pool.shutdownNow();
        }

        for (int i = 0; i < layers.size(); i++) {
            String digest = layers.get(i).digest();
            assertThat(reg.requestCount("GET", "/v2/shared/blobs/" + digest) - before.get(i))
                    .as("GETs of layer %s (%d bytes)", digest, layers.get(i).size()).isEqualTo(1);
        }
        assertPulledCompletely(d, ref, proxy.host() + "/shared@" + img.digest(), img);
    }

    // ---- hostile registry ------------------------------------------------------------------------------------------

    @Test
    @Fault(value = "registry serves a 100 MiB manifest (Content-Length says so)",
            expect = "RESOURCE_EXHAUSTED naming max_manifest_size before reading it; nothing kept")
    void aHugeManifestIsRefusedByItsLengthWithoutReadingIt(Daemons.Session s) throws Exception {
        try (HostileRegistry reg = HostileRegistry.start()) {
            reg.serveFiller("/v2/huge/manifests/1", TestImages.OCI_MANIFEST, 100L << 20, true);
            assertHostilePullFails(s, reg, "huge:1", Status.Code.RESOURCE_EXHAUSTED, "max_manifest_size");
            assertThat(reg.sent("/v2/huge/manifests/1")).as("manifest bytes sent").isLessThan(16L << 20);
        }
    }

    @Test
    @Fault(value = "registry streams an endless chunked manifest",
            expect = "RESOURCE_EXHAUSTED naming max_manifest_size after at most that many bytes; nothing kept")
    void anEndlessManifestIsCutOffAtTheManifestSizeCap(Daemons.Session s) throws Exception {
        try (HostileRegistry reg = HostileRegistry.start()) {
            reg.serveEndless("/v2/endless/manifests/1", TestImages.OCI_MANIFEST);
            assertHostilePullFails(s, reg, "endless:1", Status.Code.RESOURCE_EXHAUSTED, "max_manifest_size");
            assertThat(reg.sent("/v2/endless/manifests/1")).as("manifest bytes sent").isLessThan(16L << 20);
        }
    }

    @Test
    @Fault(value = "registry serves a manifest whose digest is not the one pulled",
            expect = "FAILED_PRECONDITION digest mismatch; nothing kept")
    void aManifestNotMatchingThePulledDigestIsRefused(Daemons.Session s) throws Exception {
        try (HostileRegistry reg = HostileRegistry.start()) {
            byte[] manifest = manifest(config(), layerDescriptor("sha256:" + "ab".repeat(32), 10));
            String claimed = TestImages.sha256("something else".getBytes(StandardCharsets.UTF_8));
            reg.serve("/v2/lying/manifests/" + claimed, TestImages.OCI_MANIFEST, manifest);
            assertHostilePullFails(s, reg, "lying@" + claimed, Status.Code.FAILED_PRECONDITION, "digest mismatch");
        }
    }

    @Test
    @Fault(value = "registry sends a layer longer than its descriptor's size",
            expect = "FAILED_PRECONDITION naming the blob; no ingest or blob kept")
    void aLayerLongerThanItsDescriptorIsRefused(Daemons.Session s) throws Exception {
        try (HostileRegistry reg = HostileRegistry.start()) {
            String layer = layerRoutes(reg, "long", 1000);
            reg.serveFiller("/v2/long/blobs/" + layer, "application/octet-stream", 5000, true);
            assertHostilePullFails(s, reg, "long:1", Status.Code.FAILED_PRECONDITION, layer, "more than the 1000 bytes");
        }
    }

    @Test
    @Fault(value = "registry streams an endless layer",
            expect = "FAILED_PRECONDITION once the descriptor's size is passed; no ingest or blob kept")
    void anEndlessLayerIsCutOffAtItsDescriptorSize(Daemons.Session s) throws Exception {
        try (HostileRegistry reg = HostileRegistry.start()) {
            String layer = layerRoutes(reg, "endless", 1 << 20);
            reg.serveEndless("/v2/endless/blobs/" + layer, "application/octet-stream");
            assertHostilePullFails(s, reg, "endless:1", Status.Code.FAILED_PRECONDITION, layer);
            assertThat(reg.sent("/v2/endless/blobs/" + layer)).as("layer bytes sent").isLessThan(32L << 20);
        }
    }

    /** A manifest and config for {@code repo:1} naming one layer of {@code size} bytes; returns the layer's digest. */
    private static String layerRoutes(HostileRegistry reg, String repo, long size) {
        String layer = "sha256:" + "cd".repeat(32);
        byte[] config = config();
        reg.serve("/v2/" + repo + "/blobs/" + TestImages.sha256(config), TestImages.OCI_CONFIG, config);
        reg.serve("/v2/" + repo + "/manifests/1", TestImages.OCI_MANIFEST, manifest(config, layerDescriptor(layer, size)));
        return layer;
    }

    private static byte[] config() {
        return ("{\"architecture\": \"" + TestImages.hostArchitecture() + "\", \"os\": \"linux\", \"config\": {}, "
                + "\"rootfs\": {\"type\": \"layers\", \"diff_ids\": [\"sha256:" + "ef".repeat(32) + "\"]}}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static String layerDescriptor(String digest, long size) {
        return "{\"mediaType\": \"" + TestImages.OCI_LAYER_GZIP + "\", \"digest\": \"" + digest + "\", \"size\": " + size + "}";
    }

    private static byte[] manifest(byte[] config, String layer) {
        return ("{\"schemaVersion\": 2, \"mediaType\": \"" + TestImages.OCI_MANIFEST + "\", \"config\": {\"mediaType\": \""
                + TestImages.OCI_CONFIG + "\", \"digest\": \"" + TestImages.sha256(config) + "\", \"size\": " + config.length
                + "}, \"layers\": [" + layer + "]}").getBytes(StandardCharsets.UTF_8);
    }

    /** The pull fails with {@code code} naming {@code inMessage}; the daemon serves on and kept nothing of it. */
    private static void assertHostilePullFails(Daemons.Session s, HostileRegistry reg, String image, Status.Code code,
                                               String... inMessage) throws Exception {
        Berthd d = s.start(config(s, 2));
        assertCode(() -> images(d).pullImage(pull(reg.host() + "/" + image)), code, inMessage);
        assertThat(d.process().isAlive()).as("berthd alive").isTrue();
        assertThat(d.images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList()).isEmpty();
        Path content = content(d);
        assertNoIngest(content);
        assertBlobsIntact(content);
        try (var blobs = Files.list(content.resolve("blobs/sha256"))) {
            assertThat(blobs.map(p -> p.getFileName().toString()).toList()).as("blobs kept")
                    .doesNotContain("cd".repeat(32), "ab".repeat(32));
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------------------------

    private static TestConfig config(Daemons.Session s, int retries) {
        return s.config().append(REGISTRY_TABLE + "\nretries = " + retries + "\n");
    }

    /** An image stub with a deadline fit for big pulls on a busy machine. */
    private static ImageServiceGrpc.ImageServiceBlockingStub images(Berthd d) {
        return ImageServiceGrpc.newBlockingStub(d.channel().channel()).withDeadlineAfter(PULL_SECONDS, TimeUnit.SECONDS);
    }

    private static Path content(Berthd d) {
        Path p = d.dir().resolve(CONTENT);
        assertThat(p.resolve("ingest")).as("the content store's ingest dir").isDirectory();
        return p;
    }

    private static TestImages.Blob biggest(TestImages.Pushed image) {
        return image.layout().host().layers().stream().max(Comparator.comparingLong(TestImages.Blob::size)).orElseThrow();
    }

    private static Path blob(Path content, String digest) {
        return content.resolve("blobs/sha256").resolve(digest.substring("sha256:".length()));
    }

    private static PullImageRequest pull(String ref) {
        return PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(ref)).build();
    }

    private static PullImageRequest pull(String ref, AuthConfig auth) {
        return pull(ref).toBuilder().setAuth(auth).build();
    }

    private static AuthConfig auth(String user, String password) {
        return AuthConfig.newBuilder().setUsername(user).setPassword(password).build();
    }

    private static ImageStatusResponse status(Berthd d, String ref) {
        return d.images().imageStatus(ImageStatusRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(ref)).build());
    }

    private static List<String> ids(Berthd d) {
        return d.images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList().stream().map(Image::getId).toList();
    }

    /** The image is listed once, complete and right, its layers are in the store intact, and no ingest is left. */
    private static void assertPulledCompletely(Berthd d, String ref, String repoDigest, TestImages.Pushed pushed) throws IOException {
        assertThat(ids(d)).containsExactly(pushed.configDigest());
        Image img = status(d, ref).getImage();
        assertThat(img.getId()).isEqualTo(pushed.configDigest());
        assertThat(img.getRepoTagsList()).containsExactly(ref);
        assertThat(img.getRepoDigestsList()).containsExactly(repoDigest);
        assertThat(img.getSize()).isGreaterThanOrEqualTo(pushed.layout().host().layersSize());
        assertThat(img.getUsername()).isEqualTo("app");
        Path content = content(d);
        for (TestImages.Blob l : pushed.layout().host().layers()) {
            assertThat(blob(content, l.digest())).as("layer %s", l.digest()).exists().hasSize(l.size());
        }
        assertNoIngest(content);
        assertBlobsIntact(content);
    }

    private static List<String> ingests(Path content) throws IOException {
        try (var list = Files.list(content.resolve("ingest"))) {
            return list.map(p -> p.getFileName().toString()).toList();
        }
    }

    private static void assertNoIngest(Path content) throws IOException {
        try (var list = Files.list(content.resolve("ingest"))) {
            assertThat(list.map(p -> p.getFileName().toString()).toList()).as("ingests left in %s", content).isEmpty();
        }
    }

    /** Every committed blob's bytes hash to its name: nothing half-written or corrupt is visible. */
    private static void assertBlobsIntact(Path content) throws IOException {
        Path dir = content.resolve("blobs/sha256");
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                assertThat(sha256(p)).as("content of blob %s", p).isEqualTo(p.getFileName().toString());
            }
        }
    }

    private static String sha256(Path p) throws IOException {
        try (InputStream in = new DigestInputStream(Files.newInputStream(p), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Bytes in every ingest's data file. */
    private static long ingestBytes(Path content) throws IOException {
        long total = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(content.resolve("ingest"))) {
            for (Path p : ds) {
                Path data = p.resolve("data");
                try {
                    total += Files.size(data);
                } catch (IOException e) {
                    // not there (yet, or any more)
                }
            }
        }
        return total;
    }

    /**
     * Waits (bounded) until the daemon has written at least {@code atLeast} bytes of downloads to its ingests; fails if
     * the pull ends first.
     *
     * @return the bytes seen
     */
    private static long awaitIngestData(Path content, Future<String> pull, long atLeast) throws Exception {
        Instant deadline = Instant.now().plus(WAIT);
        while (Instant.now().isBefore(deadline)) {
            long n = ingestBytes(content);
            if (n >= atLeast) {
                return n;
            }
            if (pull.isDone()) {
                fail("the pull ended before " + atLeast + " bytes of download data appeared in " + content.resolve("ingest") + ": "
                        + outcome(pull));
            }
            Thread.sleep(10);
        }
        throw new TimeoutException("not " + atLeast + " bytes of ingest data in " + content.resolve("ingest") + " after " + WAIT
                + " (" + ingestBytes(content) + ")");
    }

    private static String outcome(Future<String> f) {
        try {
            return "returned " + f.get();
        } catch (ExecutionException e) {
            return "failed: " + e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    private static StatusRuntimeException statusOf(ExecutionException e) {
        assertThat(e.getCause()).isInstanceOf(StatusRuntimeException.class);
        return (StatusRuntimeException) e.getCause();
    }

    private static java.util.concurrent.ThreadFactory daemonThreads() {
        return run -> {
            Thread t = new Thread(run, "pull-faults-client");
            t.setDaemon(true);
            return t;
        };
    }

    private static void assertCode(ThrowingCallable call, Status.Code code, String... inMessage) {
        assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).as("status of %s", e.getStatus()).isEqualTo(code);
            assertThat(e.getStatus().getDescription()).contains(inMessage);
        });
    }

    /** Refused for lack of (valid) credentials: UNAUTHENTICATED or PERMISSION_DENIED, naming the registry. */
    private static void assertDenied(ThrowingCallable call, String registry) {
        assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).as("status of %s", e.getStatus())
                    .isIn(Status.Code.UNAUTHENTICATED, Status.Code.PERMISSION_DENIED);
            assertThat(e.getStatus().getDescription()).contains(registry);
        });
    }

    /** A registry blob overwritten with other bytes of the same length; {@link #close()} puts the original back. */
    private static final class Corruption implements AutoCloseable {
        private final Path file;
        private final byte[] original;

        private Corruption(Path file, byte[] original) {
            this.file = file;
            this.original = original;
        }

        static Corruption of(Path file) throws IOException {
            byte[] original = Files.readAllBytes(file);
            byte[] bad = original.clone();
            for (int i = bad.length / 4; i < bad.length * 3 / 4; i++) {
                bad[i] ^= (byte) 0x5a;
            }
            Files.write(file, bad);
            return new Corruption(file, original);
        }

        @Override
        public void close() throws IOException {
            Files.write(file, original);
        }
    }
}
