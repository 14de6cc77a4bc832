package dev.berth.bench;

import dev.berth.api.cri.v1.RuntimeServiceGrpc;
import dev.berth.api.cri.v1.VersionRequest;
import dev.berth.core.client.UnixSocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Issue 1's start-up figures: time from exec of bin/berthd to its first successful CRI Version (median of n
 * fresh starts), and the daemon's RSS once idle after start.
 */
final class ColdStart {
    private static final double TARGET_START_MS = 600;
    private static final double TARGET_RSS_MB = 80;

    private ColdStart() {
    }

    static List<Result> run(Path home, int n) throws Exception {
        List<Double> startMs = new ArrayList<>();
        List<Double> rssMb = new ArrayList<>();
        List<Double> listenMs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            try (DaemonUnderTest d = DaemonUnderTest.launch(home)) {
                d.awaitListening(30_000);
                long listening = System.nanoTime();
                try (UnixSocketChannel ch = new UnixSocketChannel(d.socket())) {
                    RuntimeServiceGrpc.newBlockingStub(ch.channel()).withDeadlineAfter(10, TimeUnit.SECONDS)
                            .version(VersionRequest.getDefaultInstance());
                    long answered = System.nanoTime();
                    startMs.add((answered - t0) / 1e6);
                    listenMs.add((listening - t0) / 1e6);
                }
                Thread.sleep(3000); // idle: let start-up garbage and JIT settle
                rssMb.add(d.rssBytes() / (1024.0 * 1024.0));
            }
        }
        Stats start = Stats.of(startMs);
        Stats rss = Stats.of(rssMb);
        return List.of(
                new Result("cold start to socket listening", "ms", Stats.of(listenMs), "", true),
                new Result("cold start to first Version", "ms", start, "<= " + (int) TARGET_START_MS, start.p50() <= TARGET_START_MS),
                new Result("idle RSS after start", "MB", rss, "<= " + (int) TARGET_RSS_MB, rss.p50() <= TARGET_RSS_MB));
    }
}
