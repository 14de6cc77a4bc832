package dev.berth.bench;

import dev.berth.api.cri.v1.PodSandboxConfig;
import dev.berth.api.cri.v1.RuntimeServiceGrpc;
import dev.berth.itest.registry.LocalRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * CreateContainer + StartContainer latency of N containers started one after another in one host-network pod, on
 * berthd and the peer, beside the floor of {@code runc run -d} on a prepared bundle ({@link RuncFloor}); then, with
 * the pod topped up to {@value #RSS_CONTAINERS} running containers, the memory each side keeps per container: the
 * runtime-side monitors (berth: one conmon per container; containerd: one containerd-shim-runc-v2 per pod) and the
 * daemon itself. The image is the itest busybox with {@code sleep 3600} as its command, pushed to a local
 * docker-registry and pulled through CRI (not timed); containerd uses it as its sandbox ("pause") image as well.
 * Every pod gets a cgroup parent of its own ({@code /berth-bench-<random>-<daemon>}), removed at the end with
 * whatever is left in it.
 */
final class Containers {
    static final String ROW_FLOOR = "create+start container";
    static final String ROW_PEER = "create+start vs containerd";
    static final String ROW_MONITOR = "runtime RSS: per ctr / per pod";
    static final String ROW_DAEMON = "daemon RSS, 100 containers";
    static final int DEFAULT_N = 50;
    static final int RSS_CONTAINERS = 100;
    private static final double TARGET_VS_PEER = 1.0;
    private static final double TARGET_VS_FLOOR = 1.3;
    private static final double TARGET_MONITOR_VS_SHIM = 0.2;
    private static final long TOP_UP_BUDGET_MILLIS = 240_000;
    private static final long SETTLE_MILLIS = 3000;
    private static final long CLEANUP_BUDGET_MILLIS = 180_000;
    private static final PodSession.Spec SESSION = new PodSession.Spec("containers", "bench", CLEANUP_BUDGET_MILLIS,
            Containers::cleanedUp);
    private static final double MB = 1024.0 * 1024.0;

    private Containers() {
    }

    /** What one daemon gave. */
    private record Samples(List<Double> createStartMs, List<Double> createMs, List<Double> startMs, int running,
                           double daemonRssMb, List<Double> monitorRssMb, double onePodShimMb) {
    }

    static void run(Report report, BerthdLauncher berth, DaemonLauncher peer, int n) throws Exception {
        String tag = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        Path work = TempDirs.create("containers");
        try (LocalRegistry registry = LocalRegistry.start()) {
            String image = BenchPods.sleepImage(registry, work, "sleep");
            Map<String, Samples> by = BenchPods.eachDaemon(report, "containers", berth, peer, l -> PodSession.run(SESSION, l,
                    registry.host(), image, Cgroups.track("/berth-bench-" + tag + "-" + l.name()), work,
                    s -> measure(s, l, image, n)), l -> { });
            List<Double> floor = null;
            TempDirs.checkNotShuttingDown();
            try {
                floor = runcFloor(n, Cgroups.track("/berth-bench-" + tag + "-runc"));
            } catch (Exception e) {
                e.printStackTrace();
                report.fail("containers runc floor: " + Report.firstLine(e));
            }
            addRows(report, by.get(berth.name()), peer == null ? null : by.get(peer.name()), floor, n, peer);
        } finally {
            TempDirs.delete(work);
        }
    }



    /** Rows when berth gave figures; the notes say every side's figures either way. */
    private static void addRows(Report report, Samples b, Samples p, List<Double> floor, int n, DaemonLauncher peer) {
        Stats fs = floor == null ? null : Stats.of(floor);
        Stats bs = b == null ? null : Stats.of(b.createStartMs());
        Stats ps = p == null ? null : Stats.of(p.createStartMs());
        if (b != null) {
            report.add(new Result(ROW_FLOOR, "ms", Result.Better.LOWER, bs, ps, fs,
                    fs == null ? "" : String.format(Locale.ROOT, "<= %.1f", TARGET_VS_FLOOR * fs.p50())));
            if (p != null) {
                report.add(new Result(ROW_PEER, "ms", Result.Better.LOWER, bs, ps, fs,
                        String.format(Locale.ROOT, "<= %.1f", TARGET_VS_PEER * ps.p50())));
            }
            Stats pm = p == null || p.onePodShimMb() <= 0 ? null : Stats.of(List.of(p.onePodShimMb()));
            report.add(new Result(ROW_MONITOR, "MB", Result.Better.LOWER, Stats.of(b.monitorRssMb()), pm, null,
                    pm == null ? "" : String.format(Locale.ROOT, "<= %.2f", TARGET_MONITOR_VS_SHIM * pm.p50())));
            Stats pd = p == null ? null : Stats.of(List.of(p.daemonRssMb()));
            report.add(new Result(ROW_DAEMON, "MB", Result.Better.LOWER, Stats.of(List.of(b.daemonRssMb())), pd, null,
                    pd == null ? "" : String.format(Locale.ROOT, "<= %.1f", pd.p50())));
        }
        report.note(String.format(Locale.ROOT, "containers: %d × (CreateContainer + StartContainer of `sleep 3600`) one after "
                + "another in one host-network pod per daemon, first container included (no warm-up); floor = exec to exit of "
                + "`runc run -d` of a prepared bundle (busybox, no network namespace, stdio /dev/null). Targets: berth p50 <= "
                + "%.1fx containerd's and <= %.1fx the floor's; conmon per container <= %.1fx containerd's shim per pod; berth "
                + "daemon RSS <= containerd's.", n, TARGET_VS_PEER, TARGET_VS_FLOOR, TARGET_MONITOR_VS_SHIM));
        List<String> latency = new ArrayList<>();
        if (b != null) {
            latency.add(side("berth", b, bs, fs));
        }
        if (p != null) {
            latency.add(side(peer.name(), p, ps, fs));
        }
        if (fs != null) {
            latency.add(String.format(Locale.ROOT, "runc floor p50 %.1f / p90 %.1f ms", fs.p50(), fs.p90()));
        }
        if (!latency.isEmpty()) {
            report.note("containers latency: " + String.join("; ", latency));
        }
        List<String> rss = new ArrayList<>();
        if (b != null) {
            rss.add(String.format(Locale.ROOT, "berth with %d running: %d conmon processes, p50 %.2f MB each, %.1f MB in all; "
                    + "berthd %.1f MB", b.running(), b.monitorRssMb().size(), Stats.of(b.monitorRssMb()).p50(), sum(b.monitorRssMb()),
                    b.daemonRssMb()));
        }
        if (p != null) {
            rss.add(String.format(Locale.ROOT, "%s with %d running in one pod: %d containerd-shim-runc-v2, %.1f MB in all (%.2f MB "
                    + "per container); the shim of a second pod with 1 container %.1f MB (the MB rows' peer figure); containerd "
                    + "%.1f MB", peer.name(), p.running(), p.monitorRssMb().size(), sum(p.monitorRssMb()), sum(p.monitorRssMb()) / p.running(),
                    p.onePodShimMb(), p.daemonRssMb()));
        }
        if (!rss.isEmpty()) {
            report.note("containers RSS (VmRSS " + SETTLE_MILLIS / 1000 + " s after the last start, MB = 2^20 bytes): " + String.join("; ", rss));
        }
    }

    private static String side(String name, Samples s, Stats st, Stats floor) {
        return String.format(Locale.ROOT, "%s p50 %.1f / p90 %.1f ms (create p50 %.1f + start p50 %.1f)%s", name, st.p50(), st.p90(),
                Stats.of(s.createMs()).p50(), Stats.of(s.startMs()).p50(),
                floor == null ? "" : String.format(Locale.ROOT, ", %.2fx the floor", st.p50() / floor.p50()));
    }

    private static double sum(List<Double> l) {
        return l.stream().mapToDouble(Double::doubleValue).sum();
    }

    /** Timed create+start of {@code n} containers in the session's pod, then the daemon's RSS figures. */
    private static Samples measure(PodSession session, DaemonLauncher launcher, String image, int n) throws Exception {
        DaemonUnderTest d = session.daemon();
        RuntimeServiceGrpc.RuntimeServiceBlockingStub rt = session.runtime();
        CriCleanup cleanup = session.cleanup();
        PodSandboxConfig pod = session.pod();
        String podId = session.podId();
        List<Double> createStart = new ArrayList<>();
        List<Double> create = new ArrayList<>();
        List<Double> start = new ArrayList<>();
        System.err.printf(Locale.ROOT, "bench: containers %s: image pulled, pod %s running%n", d.name(), podId);
        for (int i = 0; i < n; i++) {
            TempDirs.checkNotShuttingDown();
            long t0 = System.nanoTime();
            String id = BenchPods.createSleep(rt, podId, pod, image, "c" + i);
            long t1 = System.nanoTime();
            cleanup.containers.add(id);
            BenchPods.start(rt, id);
            long t2 = System.nanoTime();
            create.add((t1 - t0) / 1e6);
            start.add((t2 - t1) / 1e6);
            createStart.add((t2 - t0) / 1e6);
        }
        Stats s = Stats.of(createStart);
        System.err.printf(Locale.ROOT, "bench: containers %s: %d create+start p50 %.1f ms, p90 %.1f ms%n", d.name(), n, s.p50(), s.p90());
        // top up to RSS_CONTAINERS (not timed), within a time budget
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TOP_UP_BUDGET_MILLIS);
        for (int i = n; i < RSS_CONTAINERS && System.nanoTime() < deadline; i++) {
            TempDirs.checkNotShuttingDown();
            String id = BenchPods.createSleep(rt, podId, pod, image, "c" + i);
            cleanup.containers.add(id);
            BenchPods.start(rt, id);
        }
        int running = cleanup.containers.size();
        Thread.sleep(SETTLE_MILLIS);
        double daemonRss = d.rssBytes() / MB;
        List<Double> monitors = monitorRss(d, null);
        System.err.printf(Locale.ROOT, "bench: containers %s: %d running: daemon RSS %.1f MB, %d monitor processes %.1f MB in all%n",
                d.name(), running, daemonRss, monitors.size(), monitors.stream().mapToDouble(Double::doubleValue).sum());
        double onePod = 0;
        if (launcher instanceof ContainerdLauncher) {
            // what a shim costs a typical pod: a second pod with one container
            PodSandboxConfig small = BenchPods.hostNetworkPod("bench-one", session.cgroupParent(),
                    session.logs().resolve("bench-one"));
            String smallId = BenchPods.runPod(rt, small);
            cleanup.pods.add(smallId);
            cleanup.containers.add(BenchPods.createSleep(rt, smallId, small, image, "only"));
            BenchPods.start(rt, cleanup.containers.get(cleanup.containers.size() - 1));
            Thread.sleep(SETTLE_MILLIS);
            onePod = monitorRss(d, smallId).stream().mapToDouble(Double::doubleValue).sum();
            System.err.printf(Locale.ROOT, "bench: containers %s: shim of a 1-container pod %.1f MB%n", d.name(), onePod);
        }
        return new Samples(createStart, create, start, running, daemonRss, monitors, onePod);
    }

    /**
     * RSS in MB of each runtime-side monitor the daemon started: berth's conmon processes, or containerd's
     * containerd-shim-runc-v2 processes (of pod {@code podId} only, when not null). Both name the daemon's temp dir on
     * their command line (conmon its paths, the shim containerd's socket).
     */
    private static List<Double> monitorRss(DaemonUnderTest d, String podId) throws IOException {
        String name = d.name().equals("containerd") ? "containerd-shim-runc-v2" : "conmon";
        List<Double> mb = new ArrayList<>();
        for (Procs.Proc p : Procs.named(name, d.dir().toString())) {
            if (podId == null || podId.equals(p.option("-id"))) {
                mb.add(Procs.rssBytes(p.pid()) / MB);
            }
        }
        if (mb.isEmpty()) {
            throw new IllegalStateException("no " + name + " process mentions " + d.dir());
        }
        return mb;
    }

    private static void cleanedUp(DaemonUnderTest d, int containers, int pods, double seconds, int failures) {
        System.err.printf(Locale.ROOT, "bench: containers %s: removed %d containers and %d pods in %.1f s%s%n", d.name(),
                containers, pods, seconds, failures == 0 ? "" : " (" + failures + " CRI calls failed)");
    }

    private static List<Double> runcFloor(int n, String cgroupParent) throws Exception {
        List<Double> ms = new ArrayList<>();
        try (RuncFloor floor = RuncFloor.prepare(cgroupParent)) {
            String prefix = "berth-bench-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()) + "-";
            for (int i = 0; i < n; i++) {
                TempDirs.checkNotShuttingDown();
                ms.add(floor.runOnce(prefix + i));
            }
        } finally {
            Cgroups.removeAll(cgroupParent);
        }
        Stats s = Stats.of(ms);
        System.err.printf(Locale.ROOT, "bench: containers runc floor: %d runs p50 %.1f ms, p90 %.1f ms%n", n, s.p50(), s.p90());
        return ms;
    }
}
