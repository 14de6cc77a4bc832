package dev.berth.bench;

import dev.berth.api.cri.v1.DNSConfig;
import dev.berth.api.cri.v1.LinuxPodSandboxConfig;
import dev.berth.api.cri.v1.LinuxSandboxSecurityContext;
import dev.berth.api.cri.v1.ListPodSandboxRequest;
import dev.berth.api.cri.v1.NamespaceMode;
import dev.berth.api.cri.v1.NamespaceOption;
import dev.berth.api.cri.v1.PodSandboxConfig;
import dev.berth.api.cri.v1.PodSandboxMetadata;
import dev.berth.api.cri.v1.RuntimeCondition;
import dev.berth.api.cri.v1.RuntimeServiceGrpc;
import dev.berth.api.cri.v1.StatusRequest;
import dev.berth.api.cri.v1.VersionRequest;
import dev.berth.core.client.UnixSocketChannel;
import dev.berth.itest.registry.LocalRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * RunPodSandbox latency of networked pods (network and IPC namespaces of the pod's own, pid namespace per container,
 * as the kubelet sends by default) on berthd and the peer, both given the same CNI conflist ({@link BenchNetwork}):
 * (a) N pods one after another on an empty node; their pods then stopped and removed (StopPodSandbox and
 * RemovePodSandbox timed too); (b) N pods from {@value #CLIENTS} clients at once, each on a connection of its own
 * creating N / {@value #CLIENTS} pods one after another, on an empty node; (c) with the node brought to
 * {@value #RUNNING} running pods (untimed), N more one after another. Then every pod is stopped and removed through the
 * CRI and what is left is counted before it is cleaned by hand: pods listed, namespace pins and other mounts under
 * the daemon's dir, veths on the bridge, host-local reservations, iptables rules naming the subnet, shims and the
 * processes and cgroups under the run's cgroup parent. The sandbox ("pause") image, containerd's and berthd's in image
 * mode ({@code --pod-infra image}), is the itest busybox running a shell that sleeps and exits on SIGTERM
 * ({@link BenchPods#pauseImage}), from a local registry, pulled through the CRI beforehand (not timed).
 */
final class Sandboxes {
    static final String ROW_SEQUENTIAL = "RunPodSandbox, sequential";
    static final String ROW_RUNNING = "RunPodSandbox, " + Sandboxes.RUNNING + " running";
    static final String ROW_RUNNING_VS_EMPTY = "RunPodSandbox " + Sandboxes.RUNNING + " running/empty";
    static final int DEFAULT_N = 50;
    static final int RUNNING = 100;
    static final int CLIENTS = 10;
    private static final double TARGET_VS_PEER = 0.5;
    private static final double TARGET_RUNNING_VS_EMPTY = 1.2;
    private static final long CALL_TIMEOUT_SECONDS = 60;
    private static final long PHASE_BUDGET_MILLIS = 180_000;
    private static final long TOP_UP_BUDGET_MILLIS = 240_000;
    private static final long CLEANUP_BUDGET_MILLIS = 240_000;
    /** The kubelet's default for a pod without host namespaces or shareProcessNamespace. */
    private static final NamespaceOption NAMESPACES = NamespaceOption.newBuilder().setNetwork(NamespaceMode.POD)
            .setPid(NamespaceMode.CONTAINER).setIpc(NamespaceMode.POD).build();

    private Sandboxes() {
    }

    /** What is left of one daemon's pods after every pod was stopped and removed through the CRI. */
    private record Leftovers(int podsListed, int failedCalls, double seconds, int nsMounts, int otherMounts, int veths,
                             List<String> ips, List<String> iptables, int monitors, Cgroups.Usage cgroups) {
        boolean clean() {
            return podsListed == 0 && failedCalls == 0 && nsMounts == 0 && otherMounts == 0 && veths == 0 && ips.isEmpty()
                    && iptables.isEmpty() && monitors == 0 && cgroups.processes() == 0;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%d pods listed, %d failed CRI calls, %d netns/nsfs pins and %d other mounts under "
                    + "its dir, %d veths on %s, %d host-local IPs%s, %d iptables rules naming %s, %d shim/monitor processes, %d "
                    + "processes in %d cgroups under the parent (removal took %.1f s)", podsListed, failedCalls, nsMounts,
                    otherMounts, veths, BenchNetwork.BRIDGE, ips.size(), ips.isEmpty() ? "" : " " + ips, iptables.size(),
                    BenchNetwork.SUBNET, monitors, cgroups.processes(), cgroups.cgroups(), seconds);
        }
    }

    /** What one daemon gave. */
    private record Samples(List<Double> sequential, List<Double> concurrent, double concurrentWallMs, int clients,
                           List<Double> running, int runningBefore, List<Double> stopMs, List<Double> removeMs,
                           List<String> loads, Leftovers left) {
    }

    static void run(Report report, BerthdLauncher berth, DaemonLauncher peer, int n) throws Exception {
        String tag = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        Path work = TempDirs.create("sandboxes");
        try (LocalRegistry registry = LocalRegistry.start()) {
            BenchNetwork net;
            try {
                net = BenchNetwork.create(work);
            } catch (IllegalStateException e) {
                report.fail("sandboxes: " + e.getMessage());
                return;
            }
            try (net) {
                String image = BenchPods.pauseImage(registry, work, "pause");
                Map<String, Samples> by = BenchPods.eachDaemon(report, "sandboxes", berth, peer, l -> measure(l, registry.host(),
                        image, n, Cgroups.track("/berth-bench-" + tag + "-sandboxes-" + l.name()), net, work), l -> {
                    // the next daemon starts with no bridge and no IPAM data, as the first did
                    List<String> undone = net.reset();
                    if (!undone.isEmpty()) {
                        report.note("sandboxes: after " + l.name() + ", by hand: " + String.join("; ", undone));
                    }
                });
                addRows(report, by.get(berth.name()), peer == null ? null : by.get(peer.name()), n, peer, berth.podInfra());
            }
        } finally {
            TempDirs.delete(work);
        }
    }



    // ---------------------------------------------------------------- report

    private static void addRows(Report report, Samples b, Samples p, int n, DaemonLauncher peer, String podInfra) {
        // berth's figures in image mode are another runtime's, in effect: their rows say so
        String mode = podInfra.equals("image") ? " [berth: image mode]" : "";
        if (b != null) {
            Stats bSeq = Stats.of(b.sequential());
            Stats bConc = Stats.of(b.concurrent());
            Stats bRun = Stats.of(b.running());
            Stats pSeq = p == null ? null : Stats.of(p.sequential());
            Stats pConc = p == null ? null : Stats.of(p.concurrent());
            Stats pRun = p == null ? null : Stats.of(p.running());
            report.add(new Result(ROW_SEQUENTIAL + mode, "ms", Result.Better.LOWER, bSeq, pSeq, null, vsPeer(pSeq)));
            report.add(new Result("RunPodSandbox, " + b.clients() + " clients" + mode, "ms", Result.Better.LOWER, bConc, pConc, null,
                    vsPeer(pConc)));
            report.add(new Result(ROW_RUNNING + mode, "ms", Result.Better.LOWER, bRun, pRun, null, vsPeer(pRun)));
            report.add(new Result(ROW_RUNNING_VS_EMPTY + mode, "x", Result.Better.LOWER, one(bRun.p50() / bSeq.p50()),
                    p == null ? null : one(pRun.p50() / pSeq.p50()), null,
                    String.format(Locale.ROOT, "<= %.2f", TARGET_RUNNING_VS_EMPTY)));
            // the sequential phase's pods, stopped and removed one after another
            report.add(new Result("StopPodSandbox, " + b.stopMs().size() + " pods" + mode, "ms", Result.Better.LOWER, Stats.of(b.stopMs()),
                    p == null ? null : Stats.of(p.stopMs()), null, ""));
            report.add(new Result("RemovePodSandbox, " + b.removeMs().size() + " pods" + mode, "ms", Result.Better.LOWER,
                    Stats.of(b.removeMs()), p == null ? null : Stats.of(p.removeMs()), null, ""));
        }
        report.note(String.format(Locale.ROOT, "sandboxes: RunPodSandbox of pods with their own network (CNI: bridge %s on %s, "
                + "host-local, loopback; no gateway, no masquerading; the same conflist for both daemons), IPC and UTS namespaces, "
                + "pid namespace per container, each with a cgroup parent of its own: 'sequential' = %d pods one after another "
                + "from an empty node (first pod included); 'clients' = %d pods from up to %d clients at once (a connection "
                + "each), from an empty node again; '%d running' = %d more one after another with %d pods already running; "
                + "'running/empty' = p50 of the last / p50 of the first. Targets: berth p50 <= %.1fx containerd's in each "
                + "row, and at %d running <= %.1fx its empty-node p50.", BenchNetwork.BRIDGE, BenchNetwork.SUBNET, n, n,
                CLIENTS, RUNNING, n, RUNNING, TARGET_VS_PEER, RUNNING, TARGET_RUNNING_VS_EMPTY));
        if (b != null) {
            report.note("sandboxes berth (pod_infra = " + podInfra + (podInfra.equals("image")
                    ? ": an infra container from the pause image in every pod" : ": no infra process in these pods")
                    + "): " + side(b));
        }
        if (p != null) {
            report.note("sandboxes " + peer.name() + ": " + side(p));
        }
    }

    private static String vsPeer(Stats peer) {
        return peer == null ? "" : String.format(Locale.ROOT, "<= %.1f", TARGET_VS_PEER * peer.p50());
    }

    private static Stats one(double value) {
        return Stats.of(List.of(value));
    }

    private static String side(Samples s) {
        Stats seq = Stats.of(s.sequential());
        Stats conc = Stats.of(s.concurrent());
        Stats run = Stats.of(s.running());
        return String.format(Locale.ROOT, "sequential p50 %.1f / p90 %.1f ms (max %.1f); %d clients p50 %.1f / p90 %.1f ms, "
                        + "%d pods in %.2f s (%.1f pods/s); at %d running p50 %.1f / p90 %.1f ms (%.2fx the empty node); "
                        + "StopPodSandbox p50 %.1f / p90 %.1f ms, RemovePodSandbox p50 %.1f / p90 %.1f ms (the sequential "
                        + "phase's pods); load average at the start of each phase: %s; after removing every pod through "
                        + "the CRI: %s%s",
                seq.p50(), seq.p90(), seq.max(), s.clients(), conc.p50(), conc.p90(), conc.n(), s.concurrentWallMs() / 1000,
                conc.n() / (s.concurrentWallMs() / 1000), s.runningBefore(), run.p50(), run.p90(), run.p50() / seq.p50(),
                Stats.of(s.stopMs()).p50(), Stats.of(s.stopMs()).p90(), Stats.of(s.removeMs()).p50(),
                Stats.of(s.removeMs()).p90(), String.join(" | ", s.loads()), s.left(),
                s.left().clean() ? " (clean)" : " (NOT clean: the rest was removed by hand)");
    }

    // ---------------------------------------------------------------- measurement

    private static Samples measure(DaemonLauncher launcher, String registryHost, String image, int n, String cgroupParent,
                                   BenchNetwork net, Path work) throws Exception {
        Pods pods = new Pods(HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()), cgroupParent,
                Files.createDirectories(work.resolve("logs-" + launcher.name())));
        try (DaemonUnderTest d = launcher.launchForPods(registryHost, image, net.cni());
             UnixSocketChannel ch = new UnixSocketChannel(d.socket());
             PodCleanup cleanup = new PodCleanup(d, cgroupParent)) {
            d.awaitListening(30_000);
            d.awaitVersion(30_000);
            RuntimeServiceGrpc.RuntimeServiceBlockingStub rt = RuntimeServiceGrpc.newBlockingStub(ch.channel());
            cleanup.runtime = rt;
            try {
                awaitNetworkReady(rt, 30_000);
                BenchPods.pull(ch.channel(), image);
                List<String> loads = new ArrayList<>();

                loads.add("sequential " + Report.loadAverage());
                List<Double> sequential = sequential(rt, pods, "a", n, cleanup);
                log(d, "sequential", sequential);
                List<Double> stop = new ArrayList<>();
                List<Double> remove = new ArrayList<>();
                int failed = cleanup.removeAll(stop, remove, CLEANUP_BUDGET_MILLIS);
                if (failed > 0 || !cleanup.pods.isEmpty()) {
                    throw new IllegalStateException(failed + " Stop/RemovePodSandbox calls failed after the sequential phase");
                }

                int clients = Math.min(CLIENTS, n);
                loads.add("clients " + Report.loadAverage());
                double[] wall = new double[1];
                List<Double> concurrent = concurrent(d.socket(), pods, "b", n, clients, cleanup, wall);
                log(d, clients + " clients", concurrent);

                bringTo(rt, pods, cleanup, RUNNING);
                int runningBefore = cleanup.pods.size();
                loads.add(runningBefore + " running " + Report.loadAverage());
                List<Double> running = sequential(rt, pods, "c", n, cleanup);
                log(d, "at " + runningBefore + " running", running);

                Leftovers left = cleanup.removeAllAndCount(net);
                System.err.printf(Locale.ROOT, "bench: sandboxes %s: after removal: %s%n", d.name(), left);
                return new Samples(sequential, concurrent, wall[0], clients, running, runningBefore, stop, remove, loads, left);
            } catch (RuntimeException e) {
                throw new IllegalStateException(d.name() + ": sandboxes workload failed: " + e + "\n" + d.log(), e);
            }
        }
    }

    private static void log(DaemonUnderTest d, String phase, List<Double> ms) {
        Stats s = Stats.of(ms);
        System.err.printf(Locale.ROOT, "bench: sandboxes %s: %s: %d pods, p50 %.1f ms, p90 %.1f ms, max %.1f ms%n", d.name(), phase,
                s.n(), s.p50(), s.p90(), s.max());
    }

    /** containerd loads its CNI config asynchronously at start; berthd reads it on every pod. */
    private static void awaitNetworkReady(RuntimeServiceGrpc.RuntimeServiceBlockingStub rt, long timeoutMillis)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        String last = "";
        while (System.nanoTime() < deadline) {
            for (RuntimeCondition c : rt.withDeadlineAfter(10, TimeUnit.SECONDS).status(StatusRequest.getDefaultInstance())
                    .getStatus().getConditionsList()) {
                if (c.getType().equals("NetworkReady")) {
                    if (c.getStatus()) {
                        return;
                    }
                    last = c.getReason() + ": " + c.getMessage();
                }
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("NetworkReady not true within " + timeoutMillis + " ms (" + last + ")");
    }

    /** {@code n} pods one after another, each call timed; stops early (fewer samples) when the phase's budget is spent. */
    private static List<Double> sequential(RuntimeServiceGrpc.RuntimeServiceBlockingStub rt, Pods pods, String phase, int n,
                                           PodCleanup cleanup) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PHASE_BUDGET_MILLIS);
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < n && System.nanoTime() < deadline; i++) {
            TempDirs.checkNotShuttingDown();
            PodSandboxConfig pod = pods.next(phase);
            long t0 = System.nanoTime();
            String id = BenchPods.runPod(rt, pod);
            ms.add((System.nanoTime() - t0) / 1e6);
            cleanup.pods.add(id);
        }
        return ms;
    }

    /**
     * {@code n} pods from {@code clients} threads, each with a connection of its own (opened and used once before the
     * start), all released at once; {@code wallMs[0]} gets the time from release to the last pod.
     */
    private static List<Double> concurrent(Path socket, Pods pods, String phase, int n, int clients, PodCleanup cleanup,
                                           double[] wallMs) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<UnixSocketChannel> channels = new ArrayList<>();
        try {
            CountDownLatch go = new CountDownLatch(1);
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PHASE_BUDGET_MILLIS);
            List<Future<List<Double>>> futures = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                UnixSocketChannel channel = new UnixSocketChannel(socket);
                channels.add(channel);
                RuntimeServiceGrpc.RuntimeServiceBlockingStub rt = RuntimeServiceGrpc.newBlockingStub(channel.channel());
                rt.withDeadlineAfter(10, TimeUnit.SECONDS).version(VersionRequest.getDefaultInstance()); // connect now
                int share = n / clients + (c < n % clients ? 1 : 0);
                futures.add(pool.submit(() -> {
                    go.await();
                    List<Double> ms = new ArrayList<>();
                    for (int i = 0; i < share && System.nanoTime() < deadline && !TempDirs.shuttingDown(); i++) {
                        PodSandboxConfig pod = pods.next(phase);
                        long t0 = System.nanoTime();
                        String id = BenchPods.runPod(rt, pod);
                        ms.add((System.nanoTime() - t0) / 1e6);
                        cleanup.pods.add(id);
                    }
                    return ms;
                }));
            }
            long t0 = System.nanoTime();
            go.countDown();
            List<Double> all = new ArrayList<>();
            for (Future<List<Double>> f : futures) {
                all.addAll(f.get(PHASE_BUDGET_MILLIS + TimeUnit.SECONDS.toMillis(CALL_TIMEOUT_SECONDS), TimeUnit.MILLISECONDS));
            }
            wallMs[0] = (System.nanoTime() - t0) / 1e6;
            return all;
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            channels.forEach(UnixSocketChannel::close);
        }
    }

    /** Untimed: runs or removes pods until {@code target} are running (within a time budget). */
    private static void bringTo(RuntimeServiceGrpc.RuntimeServiceBlockingStub rt, Pods pods, PodCleanup cleanup, int target)
            throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TOP_UP_BUDGET_MILLIS);
        while (cleanup.pods.size() < target && System.nanoTime() < deadline) {
            TempDirs.checkNotShuttingDown();
            cleanup.pods.add(BenchPods.runPod(rt, pods.next("fill")));
        }
        while (cleanup.pods.size() > target && System.nanoTime() < deadline) {
            String id = cleanup.pods.get(cleanup.pods.size() - 1);
            BenchPods.stopPod(rt, id);
            BenchPods.removePod(rt, id);
            cleanup.pods.remove(id);
        }
    }

    /**
     * Pod configs as the kubelet sends them for a plain pod (cgroupfs driver): name, namespace, uid, hostname, log
     * directory (created beforehand, as the kubelet does), cluster DNS settings, a pod cgroup of its own under the
     * run's parent. Names are unique per daemon.
     */
    private static final class Pods {
        private final String tag;
        private final String cgroupParent;
        private final Path logs;
        private final AtomicInteger next = new AtomicInteger();

        Pods(String tag, String cgroupParent, Path logs) {
            this.tag = tag;
            this.cgroupParent = cgroupParent;
            this.logs = logs;
        }

        PodSandboxConfig next(String phase) throws IOException {
            String name = phase + "-" + next.getAndIncrement();
            String uid = tag + "-" + name;
            Path logDir = Files.createDirectories(logs.resolve("bench_" + name + "_" + uid));
            return PodSandboxConfig.newBuilder()
                    .setMetadata(PodSandboxMetadata.newBuilder().setName(name).setNamespace("bench").setUid(uid))
                    .setHostname(name)
                    .setLogDirectory(logDir.toString())
                    .setDnsConfig(DNSConfig.newBuilder().addServers("10.96.0.10").addSearches("bench.svc.cluster.local")
                            .addSearches("svc.cluster.local").addSearches("cluster.local").addOptions("ndots:5"))
                    .putLabels("io.kubernetes.pod.name", name)
                    .putLabels("io.kubernetes.pod.namespace", "bench")
                    .putLabels("io.kubernetes.pod.uid", uid)
                    .setLinux(LinuxPodSandboxConfig.newBuilder().setCgroupParent(cgroupParent + "/pod" + uid)
                            .setSecurityContext(LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(NAMESPACES)))
                    .build();
        }
    }

    /**
     * The pods one daemon runs, and their removal: through the CRI (StopPodSandbox, RemovePodSandbox, each call and
     * the whole bounded), then, before the daemon is stopped, by hand: the shims naming the daemon's dir (by pid) and
     * the processes and cgroups under the run's cgroup parent. Mounts under the daemon's dir go when it is closed.
     */
    private static final class PodCleanup implements AutoCloseable {
        private final DaemonUnderTest daemon;
        private final String cgroupParent;
        private final List<String> pods = Collections.synchronizedList(new ArrayList<>());
        private RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime;

        PodCleanup(DaemonUnderTest daemon, String cgroupParent) {
            this.daemon = daemon;
            this.cgroupParent = cgroupParent;
        }

        /**
         * Stops and removes every pod through the CRI within {@code budgetMillis}, timing each call into {@code stopMs}
         * and {@code removeMs} when not null; returns how many calls failed or were skipped.
         */
        int removeAll(List<Double> stopMs, List<Double> removeMs, long budgetMillis) {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(budgetMillis);
            int failed = 0;
            for (String id : List.copyOf(pods)) {
                if (runtime == null || System.nanoTime() > deadline) {
                    failed += 2;
                    continue;
                }
                try {
                    long t0 = System.nanoTime();
                    BenchPods.stopPod(runtime, id);
                    long t1 = System.nanoTime();
                    BenchPods.removePod(runtime, id);
                    long t2 = System.nanoTime();
                    pods.remove(id);
                    if (stopMs != null) {
                        stopMs.add((t1 - t0) / 1e6);
                        removeMs.add((t2 - t1) / 1e6);
                    }
                } catch (RuntimeException e) {
                    System.err.println("bench: sandboxes " + daemon.name() + ": removing pod " + id + ": " + e);
                    failed++;
                }
            }
            return failed;
        }

        /** Removes every pod through the CRI, then counts what the daemon left behind (nothing is cleaned here). */
        Leftovers removeAllAndCount(BenchNetwork net) throws IOException, InterruptedException {
            long t0 = System.nanoTime();
            int failed = removeAll(null, null, CLEANUP_BUDGET_MILLIS);
            double seconds = (System.nanoTime() - t0) / 1e9;
            int listed = runtime.withDeadlineAfter(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                    .listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsCount();
            int ns = Mounts.under(daemon.dir(), "nsfs").size();
            int all = Mounts.under(daemon.dir()).size();
            return new Leftovers(listed, failed, seconds, ns, all - ns, net.vethsOnBridge(), net.reservations(),
                    net.iptablesRules(), monitors().size(), Cgroups.usage(cgroupParent));
        }

        private List<Procs.Proc> monitors() throws IOException {
            List<Procs.Proc> found = new ArrayList<>(Procs.named("containerd-shim-runc-v2", daemon.dir().toString()));
            found.addAll(Procs.named("conmon", daemon.dir().toString()));
            return found;
        }

        @Override
        public void close() throws IOException {
            if (!pods.isEmpty()) {
                int failed = removeAll(null, null, CLEANUP_BUDGET_MILLIS);
                System.err.printf(Locale.ROOT, "bench: sandboxes %s: removed pods through the CRI after a failure (%d calls "
                        + "failed)%n", daemon.name(), failed);
            }
            List<Procs.Proc> left = monitors();
            if (!left.isEmpty()) {
                System.err.println("bench: killing " + left.size() + " shim/monitor process(es) " + daemon.name() + " left");
                Procs.kill(left);
            }
            Cgroups.removeAll(cgroupParent);
        }
    }
}
