package dev.berth.cri.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.content.Digest;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** image_pull_progress_timeout against a local registry that stops sending, or sends slowly. */
class PullProgressTimeoutTest {
    private static final Duration TIMEOUT = Duration.ofMillis(400);
    private static final Platform AMD64 = new Platform("linux", "amd64", "");

    private FakeRegistry registry;
    private InMemoryContentStore store;
    private ExecutorService pool;
    private final TestImage image = new TestImage(11);

    @BeforeEach
    void setUp() throws Exception {
        registry = new FakeRegistry();
        registry.putImage("team/app", "v1", image);
        store = new InMemoryContentStore();
        pool = Executors.newFixedThreadPool(4);
    }

    @AfterEach
    void tearDown() {
        registry.close();
        pool.shutdownNow();
    }

    private ImagePuller puller(Duration progressTimeout) {
        RegistryConfig c = RegistryConfig.defaults().withPullProgressTimeout(progressTimeout);
        return new ImagePuller(store, new RegistryClient(c, Duration.ofMillis(1), Clock.systemUTC()), pool);
    }

    private ImageReference ref() {
        return ImageReference.parse(registry.host() + "/team/app:v1");
    }

    @Test
    void aBlobThatStopsMidwayCancelsThePullNamingImageBlobAndTimeout() {
        Digest layer = image.amd64.layerDigests().get(0);
        registry.stallHalfway.add(layer);
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> puller(TIMEOUT).pull(ref(), Credentials.none(), AMD64))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.DEADLINE_EXCEEDED))
                .hasMessageContaining("blob " + layer + " of " + ref())
                .hasMessageContaining("no data from " + registry.url())
                .hasMessageContaining("for 400ms (image_pull_progress_timeout)");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("well before the 30 s stall ends").isLessThan(Duration.ofSeconds(10));
        assertThat(registry.blobGets(layer)).as("a stall is not retried").isEqualTo(1);
        assertThat(store.info(layer)).isEmpty();
        assertThat(store.info(image.amd64.manifestDigest())).isEmpty();
        assertThat(store.ingests()).isEmpty();
        assertThat(store.leases()).isEmpty();
    }

    @Test
    void aPullWhoseClientHasGoneStopsAndLeavesNothing() {
        Digest layer = image.amd64.layerDigests().get(0);
        registry.stallHalfway.add(layer); // the download would wait 30 s; the client goes after 300 ms
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> dev.berth.cri.CallCancellation.during(
                () -> System.nanoTime() - t0 > Duration.ofMillis(300).toNanos(),
                () -> puller(Duration.ZERO).pull(ref(), Credentials.none(), AMD64)))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.CANCELLED))
                .hasMessageContaining("pull of " + ref() + " cancelled: the client has gone");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("well before the 30 s stall ends").isLessThan(Duration.ofSeconds(10));
        assertThat(store.info(layer)).isEmpty();
        assertThat(store.ingests()).isEmpty();
        assertThat(store.leases()).isEmpty();
        assertThat(dev.berth.cri.CallCancellation.requested()).as("outside the call").isFalse();
    }

    @Test
    void aSlowButSteadyRegistryIsNotCut() {
        registry.trickleMs = TIMEOUT.toMillis() / 4; // each blob takes twice the timeout, in steps well within it
        PulledImage img = puller(TIMEOUT).pull(ref(), Credentials.none(), AMD64);
        assertThat(img.manifest()).isEqualTo(image.amd64.manifestDigest());
        assertThat(store.bytes(image.amd64.layerDigests().get(0))).isEqualTo(image.amd64.layers().get(0));
    }

    @Test
    void waitingForResponseHeadersCountsAsNoProgress() {
        registry.blobDelayMs = 5_000;
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> puller(TIMEOUT).pull(ref(), Credentials.none(), AMD64))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.DEADLINE_EXCEEDED))
                .hasMessageContaining("blob " + image.amd64.configDigest() + " of " + ref())
                .hasMessageContaining("no response from " + registry.url())
                .hasMessageContaining("400ms");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(4_000));
        assertThat(store.leases()).isEmpty();
    }

    @Test
    void zeroTurnsTheCheckOff() {
        Digest layer = image.amd64.layerDigests().get(0);
        registry.stallHalfway.add(layer);
        registry.stallMs = 1_000;
        PulledImage img = puller(Duration.ZERO).pull(ref(), Credentials.none(), AMD64);
        assertThat(store.bytes(layer)).isEqualTo(image.amd64.layers().get(0));
        assertThat(img.manifest()).isEqualTo(image.amd64.manifestDigest());
        InputStream body = new ByteArrayInputStream(new byte[1]);
        assertThat(new ProgressTimeout(Duration.ZERO).watch(body, "x")).isSameAs(body);
    }

    @Test
    void negativeTimeoutIsRefused() {
        assertThatThrownBy(() -> RegistryConfig.defaults().withPullProgressTimeout(Duration.ofSeconds(-1)))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
                .hasMessageContaining("image_pull_progress_timeout");
        assertThat(ProgressTimeout.format(Duration.ofMinutes(5))).isEqualTo("300s");
    }
}
