package dev.berth.bench;

import dev.berth.api.cri.v1.ListContainersRequest;
import dev.berth.api.cri.v1.RuntimeServiceGrpc;
import dev.berth.itest.registry.LocalRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * ListContainers (no filter, as the kubelet's relist sends it) on a node holding {@value #CONTAINERS} containers, on
 * berthd and the peer: the containers are created (not started: the list is what is measured, and created ones cost
 * the node far less) one after another in one host-network pod, untimed and within a time budget; then N calls, one
 * after another, each timed. berthd's own time for the calls comes from its metrics endpoint. The pod goes at the end
 * with RemovePodSandbox, which removes its containers; {@link CriCleanup} does by hand whatever is left.
 */
final class ListContainers {
    static final String ROW = "ListContainers, " + ListContainers.CONTAINERS + " containers";
    static final int CONTAINERS = 500;
    static final int DEFAULT_N = 100;
    private static final long CREATE_BUDGET_MILLIS = 300_000;
    private static final long CALLS_BUDGET_MILLIS = 60_000;
    private static final long CLEANUP_BUDGET_MILLIS = 180_000;
    private static final PodSession.Spec SESSION = new PodSession.Spec("list", "bench-list", CLEANUP_BUDGET_MILLIS,
            ListContainers::cleanedUp);

    private ListContainers() {
    }

    /** What one daemon gave; {@code serverMs} is NaN without a metrics endpoint (the peer). */
    private record Samples(int containers, double createSeconds, List<Double> listMs, double serverMs) {
    }

    static void run(Report report, BerthdLauncher berth, DaemonLauncher peer, int n) throws Exception {
        String tag = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        Path work = TempDirs.create("list");
        try (LocalRegistry registry = LocalRegistry.start()) {
            String image = BenchPods.sleepImage(registry, work, "list");
            Map<String, Samples> by = BenchPods.eachDaemon(report, "list", berth, peer, l -> PodSession.run(SESSION, l,
                    registry.host(), image, Cgroups.track("/berth-bench-" + tag + "-list-" + l.name()), work,
                    s -> measure(s, image, n)), l -> { });
            Samples b = by.get(berth.name());
            Samples p = peer == null ? null : by.get(peer.name());
            if (b != null) {
                Stats ps = p == null ? null : Stats.of(p.listMs());
                report.add(new Result(b.containers() == CONTAINERS ? ROW : "ListContainers, " + b.containers() + " containers", "ms",
                        Result.Better.LOWER, Stats.of(b.listMs()), ps, null,
                        ps == null ? "" : String.format(Locale.ROOT, "<= %.1f", ps.p50())));
            }
            report.note(String.format(Locale.ROOT, "list: %d × ListContainers (no filter) one after another, on a node with %d "
                    + "created (not started) containers in one host-network pod, each call's wall time at the client. Target: "
                    + "berth p50 <= containerd's.", n, CONTAINERS));
            for (Map.Entry<String, Samples> e : by.entrySet()) {
                Samples s = e.getValue();
                Stats st = Stats.of(s.listMs());
                report.note(String.format(Locale.ROOT, "list %s: %d containers created in %.1f s; ListContainers p50 %.2f / p90 %.2f "
                        + "ms%s", e.getKey(), s.containers(), s.createSeconds(), st.p50(), st.p90(), Double.isNaN(s.serverMs()) ? ""
                        : String.format(Locale.ROOT, ", of which %.2f ms on average inside berthd (its /metrics: "
                        + "berth_cri_request_duration_seconds)", s.serverMs())));
            }
        } finally {
            TempDirs.delete(work);
        }
    }

    /** Creates the containers in the session's pod, then times the calls. */
    private static Samples measure(PodSession s, String image, int n) throws Exception {
        DaemonUnderTest d = s.daemon();
        // the session's RemovePodSandbox takes the containers with it
        long t0 = System.nanoTime();
        long deadline = t0 + TimeUnit.MILLISECONDS.toNanos(CREATE_BUDGET_MILLIS);
        int created = 0;
        for (int i = 0; i < CONTAINERS && System.nanoTime() < deadline; i++) {
            TempDirs.checkNotShuttingDown();
            BenchPods.createSleep(s.runtime(), s.podId(), s.pod(), image, "l" + i);
            created++;
        }
        double createSeconds = (System.nanoTime() - t0) / 1e9;
        System.err.printf(Locale.ROOT, "bench: list %s: %d containers created in %.1f s%n", d.name(), created, createSeconds);
        String before = d.metrics();
        List<Double> ms = calls(s.runtime(), n, created);
        String after = d.metrics();
        double serverMs = before == null ? Double.NaN
                : (DaemonMetrics.rpcSeconds(after, "ListContainers") - DaemonMetrics.rpcSeconds(before, "ListContainers"))
                * 1000 / ms.size();
        Stats st = Stats.of(ms);
        System.err.printf(Locale.ROOT, "bench: list %s: %d ListContainers p50 %.2f ms, p90 %.2f ms%n", d.name(), ms.size(),
                st.p50(), st.p90());
        return new Samples(created, createSeconds, ms, serverMs);
    }

    /** {@code n} timed calls (fewer when the budget is spent), each checked to list every container. */
    private static List<Double> calls(RuntimeServiceGrpc.RuntimeServiceBlockingStub rt, int n, int expected) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CALLS_BUDGET_MILLIS);
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < n && System.nanoTime() < deadline; i++) {
            long t0 = System.nanoTime();
            int listed = rt.withDeadlineAfter(BenchPods.CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                    .listContainers(ListContainersRequest.getDefaultInstance()).getContainersCount();
            ms.add((System.nanoTime() - t0) / 1e6);
            if (listed != expected) {
                throw new IllegalStateException("ListContainers listed " + listed + " containers, expected " + expected);
            }
        }
        return ms;
    }

    private static void cleanedUp(DaemonUnderTest d, int containers, int pods, double seconds, int failures) {
        System.err.printf(Locale.ROOT, "bench: list %s: removed %d pod(s) and their containers in %.1f s%s%n", d.name(), pods,
                seconds, failures == 0 ? "" : " (" + failures + " CRI calls failed)");
    }
}
