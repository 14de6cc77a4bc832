package dev.berth.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Start-up figures of each daemon, interleaved (berth, peer, floor, berth, peer, floor, ...): time from exec to the
 * socket listening and to the first successful CRI Version, and the RSS once idle 3 s after start. Each start gets a
 * fresh temp root. The floor is exec to exit of {@code berthd --version}: the same JVM, flags and CDS archive with no
 * plugin started, i.e. what the JVM alone costs berth.
 */
final class ColdStart {
    static final String START_ROW = "cold start to first Version";
    static final String RSS_ROW = "idle RSS after start";
    private static final double TARGET_START_MS = 600;
    private static final double TARGET_RSS_MB = 80;
    private static final long IDLE_MILLIS = 3000;

    private ColdStart() {
    }

    private record Samples(List<Double> listenMs, List<Double> versionMs, List<Double> rssMb) {
        Samples() {
            this(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        }
    }

    static void run(Report report, BerthdLauncher berth, DaemonLauncher peer, int n, boolean start, boolean rss) throws Exception {
        List<DaemonLauncher> launchers = peer == null ? List.of(berth) : List.of(berth, peer);
        Map<String, Samples> samples = new LinkedHashMap<>();
        launchers.forEach(l -> samples.put(l.name(), new Samples()));
        List<Double> floorMs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            for (DaemonLauncher l : launchers) {
                Samples s = samples.get(l.name());
                long t0 = System.nanoTime();
                try (DaemonUnderTest d = l.launch(null)) {
                    d.awaitListening(30_000);
                    long listening = System.nanoTime();
                    d.awaitVersion(30_000);
                    long answered = System.nanoTime();
                    s.listenMs().add((listening - t0) / 1e6);
                    s.versionMs().add((answered - t0) / 1e6);
                    Thread.sleep(IDLE_MILLIS); // idle: let start-up garbage and JIT settle
                    s.rssMb().add(d.rssBytes() / (1024.0 * 1024.0));
                }
            }
            if (start) {
                floorMs.add(Tools.timeMillis(List.of(berth.berthd().toString(), "--version"), 30));
            }
            System.err.printf("bench: coldstart round %d/%d done%n", i + 1, n);
        }
        Samples b = samples.get(berth.name());
        Samples p = peer == null ? new Samples() : samples.get(peer.name());
        if (start) {
            report.add(new Result("cold start to socket listening", "ms", Result.Better.LOWER,
                    Stats.of(b.listenMs()), Stats.ofOrNull(p.listenMs()), null, ""));
            report.add(new Result(START_ROW, "ms", Result.Better.LOWER,
                    Stats.of(b.versionMs()), Stats.ofOrNull(p.versionMs()), Stats.of(floorMs), "<= " + (int) TARGET_START_MS));
            report.note("coldstart: exec of the daemon to its first successful CRI Version (retried while the daemon answers "
                    + "'not ready'), fresh temp root each start; floor = exec to exit of `berthd --version` (JVM + CDS, no plugins).");
        }
        if (rss) {
            report.add(new Result(RSS_ROW, "MB", Result.Better.LOWER,
                    Stats.of(b.rssMb()), Stats.ofOrNull(p.rssMb()), null, "<= " + (int) TARGET_RSS_MB));
            report.note("rss: VmRSS of the daemon process " + IDLE_MILLIS / 1000 + " s after its first Version, no pods, no images "
                    + "(MB = 2^20 bytes); berthd is one JVM (-Xmx512m, SerialGC), containerd one Go process (no shims started).");
        }
    }
}
