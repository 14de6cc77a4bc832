package dev.berth.bench;

import dev.berth.api.cri.v1.ImageServiceGrpc;
import dev.berth.api.cri.v1.ImageSpec;
import dev.berth.api.cri.v1.PullImageRequest;
import dev.berth.core.client.UnixSocketChannel;
import dev.berth.itest.registry.LocalRegistry;
import dev.berth.itest.registry.TestImages;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * CRI PullImage of a ~100 MB, 5-layer image from Debian's docker-registry on 127.0.0.1 (plain HTTP), cold: every
 * pull goes to a freshly started daemon with an empty root. Rounds are interleaved (berth, peer, skopeo floor); the
 * figure is compressed layer bytes over the PullImage call's wall time. The floor is {@code skopeo copy} of the same
 * image to a {@code dir:} (fetch and verify, no unpack), timed from exec to exit.
 */
final class Pull {
    static final String ROW = "pull ~100 MB, 5 gzip layers";
    private static final int PULL_TIMEOUT_SECONDS = 300;

    private Pull() {
    }

    static void run(Report report, BerthdLauncher berth, DaemonLauncher peer, int runs) throws Exception {
        List<DaemonLauncher> launchers = peer == null ? List.of(berth) : List.of(berth, peer);
        Map<String, List<Double>> mbps = new LinkedHashMap<>();
        launchers.forEach(l -> mbps.put(l.name(), new ArrayList<>()));
        List<Double> clientSeconds = new ArrayList<>();
        List<Double> serverSeconds = new ArrayList<>();
        List<Double> fetchedMb = new ArrayList<>();
        List<Double> floor = new ArrayList<>();
        Path work = TempDirs.create("image");
        try (LocalRegistry registry = LocalRegistry.start()) {
            long t0 = System.nanoTime();
            TestImages.Layout layout = BigImage.build(work.resolve("layout"));
            TestImages.Pushed pushed = registry.push(layout, "big:1");
            double mb = layout.host().layersSize() / (1024.0 * 1024.0);
            System.err.printf(Locale.ROOT, "bench: built and pushed %s (%.1f MB compressed in %d layers) in %.1f s%n",
                    pushed.reference(), mb, layout.host().layers().size(), (System.nanoTime() - t0) / 1e9);
            for (int i = 0; i < runs; i++) {
                for (DaemonLauncher l : launchers) {
                    Run run = pullOnce(l, registry.host(), pushed.reference(), layout.configDigest());
                    double seconds = run.seconds();
                    mbps.get(l.name()).add(mb / seconds);
                    if (!Double.isNaN(run.serverSeconds())) {
                        clientSeconds.add(seconds);
                        serverSeconds.add(run.serverSeconds());
                        fetchedMb.add(run.fetchedBytes() / (1024.0 * 1024.0));
                    }
                    System.err.printf(Locale.ROOT, "bench: pull %d/%d %s: %.2f s, %.1f MB/s%n", i + 1, runs, l.name(), seconds, mb / seconds);
                }
                double seconds = skopeoOnce(pushed.reference());
                floor.add(mb / seconds);
                System.err.printf(Locale.ROOT, "bench: pull %d/%d skopeo: %.2f s, %.1f MB/s%n", i + 1, runs, seconds, mb / seconds);
            }
            report.add(new Result(ROW, "MB/s", Result.Better.HIGHER, Stats.of(mbps.get(berth.name())),
                    peer == null ? null : Stats.of(mbps.get(peer.name())), Stats.of(floor), ""));
            report.note(String.format(Locale.ROOT, "pull: %s, %.1f MB compressed (MB = 2^20 bytes) in layers of %s MB, from "
                    + "docker-registry on %s over plain HTTP; cold daemon root each run, registry blobs warm in the page cache; "
                    + "floor = `skopeo copy docker://… dir:…` (fetch + verify only).", pushed.reference(), mb, layerSizes(layout),
                    registry.host()));
            if (!serverSeconds.isEmpty()) {
                report.note(String.format(Locale.ROOT, "pull, berthd's own view (its /metrics endpoint): PullImage p50 %.2f s "
                        + "inside berthd (berth_cri_request_duration_seconds) against %.2f s at the client; %.1f MB fetched "
                        + "from the registry per pull (berth_image_pull_bytes_total: manifest, config, layers) for %.1f MB of "
                        + "layers.", Stats.of(serverSeconds).p50(), Stats.of(clientSeconds).p50(), Stats.of(fetchedMb).p50(), mb));
            }
            report.note("pull: like for like: both daemons' PullImage fetches every layer and unpacks it into overlayfs "
                    + "snapshots before returning.");
        } finally {
            TempDirs.delete(work);
        }
    }

    private static String layerSizes(TestImages.Layout layout) {
        return String.join(" + ", layout.host().layers().stream()
                .map(b -> String.format(Locale.ROOT, "%.2f", b.size() / (1024.0 * 1024.0))).toList());
    }

    /**
     * One cold pull: PullImage's wall time at the client and, from berthd's metrics endpoint (NaN for the peer), the
     * time berthd itself counted for the call and the bytes it fetched.
     */
    private record Run(double seconds, double serverSeconds, double fetchedBytes) {
    }

    private static Run pullOnce(DaemonLauncher launcher, String registryHost, String ref, String expectedImageId) throws Exception {
        try (DaemonUnderTest d = launcher.launch(registryHost)) {
            d.awaitListening(30_000);
            d.awaitVersion(30_000);
            try (UnixSocketChannel ch = new UnixSocketChannel(d.socket())) {
                PullImageRequest req = PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(ref)).build();
                long t0 = System.nanoTime();
                String imageRef = ImageServiceGrpc.newBlockingStub(ch.channel())
                        .withDeadlineAfter(PULL_TIMEOUT_SECONDS, TimeUnit.SECONDS).pullImage(req).getImageRef();
                double seconds = (System.nanoTime() - t0) / 1e9;
                if (!imageRef.equals(expectedImageId)) {
                    throw new IllegalStateException(d.name() + " pulled " + ref + " as " + imageRef + ", expected " + expectedImageId);
                }
                String metrics = d.metrics();
                if (metrics == null) {
                    return new Run(seconds, Double.NaN, Double.NaN);
                }
                return new Run(seconds, DaemonMetrics.rpcSeconds(metrics, "PullImage"),
                        DaemonMetrics.value(metrics, "berth_image_pull_bytes_total"));
            } catch (RuntimeException e) {
                throw new IllegalStateException(d.name() + " failed to pull " + ref + ": " + e + "\n" + d.log(), e);
            }
        }
    }

    private static double skopeoOnce(String ref) throws Exception {
        Path dir = TempDirs.create("skopeo");
        try {
            double ms = Tools.timeMillis(List.of("skopeo", "--insecure-policy", "copy", "--quiet", "--retry-times", "0",
                    "--src-tls-verify=false", "--src-no-creds", "docker://" + ref, "dir:" + dir.resolve("image")), PULL_TIMEOUT_SECONDS);
            return ms / 1000;
        } finally {
            TempDirs.delete(dir);
        }
    }
}
