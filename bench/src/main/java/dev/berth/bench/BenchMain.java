package dev.berth.bench;

import java.nio.file.Path;
import java.util.Set;

/**
 * {@code bench/run [--workload NAME] [--peer containerd] [-n N] [--pod-infra pauseless|image]}: runs the workloads
 * against berthd from the built distribution and, with {@code --peer}, against the peer daemon through the same CRI
 * client, interleaved; prints one table and writes the results as JSON. Every workload is bounded in count and time
 * and cleans up after itself.
 * {@code --pod-infra image} runs the {@code sandboxes} workload's berthd with its default runtime handler in image
 * mode (an infra container from the sandbox image in every pod) instead of the default, pause-less one.
 */
public final class BenchMain {
    private static final Set<String> WORKLOADS = Set.of("all", "coldstart", "rss", "pull", "unpack", "containers", "sandboxes", "exec", "list");
    private static final String USAGE = "usage: bench/run [--workload all|coldstart|rss|pull|unpack|containers|sandboxes|exec|list] [--peer containerd] [-n N] [--pod-infra pauseless|image]";
    private static final int PULL_RUNS = 3;

    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        dev.berth.core.logging.LogSetup.configure("warn", "text");
        Path home = null;
        Path results = null;
        String workload = "all";
        String peerName = null;
        int n = 10;
        boolean nGiven = false;
        String podInfra = "pauseless";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--home" -> home = Path.of(value(args, ++i));
                case "--results" -> results = Path.of(value(args, ++i));
                case "--workload" -> workload = value(args, ++i);
                case "--peer" -> peerName = value(args, ++i);
                case "--pod-infra" -> podInfra = value(args, ++i);
                case "-n" -> {
                    n = Integer.parseInt(value(args, ++i));
                    nGiven = true;
                }
                case "-h", "--help" -> {
                    System.out.println(USAGE);
                    return;
                }
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + "; " + USAGE);
            }
        }
        if (home == null) {
            throw new IllegalArgumentException("--home is required");
        }
        if (!WORKLOADS.contains(workload)) {
            throw new IllegalArgumentException("unknown workload " + workload + "; " + USAGE);
        }
        if (!BerthdLauncher.POD_INFRA_MODES.contains(podInfra)) {
            throw new IllegalArgumentException("unknown pod infra mode " + podInfra + "; " + USAGE);
        }
        DaemonLauncher peer = null;
        if (peerName != null) {
            if (!peerName.equals("containerd")) {
                throw new IllegalArgumentException("unknown peer " + peerName + "; " + USAGE);
            }
            peer = new ContainerdLauncher("containerd");
        }
        n = Math.max(1, Math.min(n, 100));
        Runtime.getRuntime().addShutdownHook(new Thread(TempDirs::cleanUpAfterInterrupt, "bench-cleanup"));
        BerthdLauncher berth = new BerthdLauncher(home);
        Report report = new Report(berth.version(), peer == null ? null : peer.name(), peer == null ? null : peer.version());
        boolean all = workload.equals("all");
        if (all || workload.equals("coldstart") || workload.equals("rss")) {
            // off as packaged (and as containerd's is): the endpoint's start would count against berthd
            ColdStart.run(report, berth.withoutMetrics(), peer, n, all || workload.equals("coldstart"), all || workload.equals("rss"));
        }
        if (all || workload.equals("pull")) {
            Pull.run(report, berth, peer, Math.min(n, PULL_RUNS));
        }
        if (all || workload.equals("unpack")) {
            Unpack.run(report, Math.min(n, PULL_RUNS));
        }
        if (all || workload.equals("containers")) {
            Containers.run(report, berth, peer, nGiven ? n : Containers.DEFAULT_N);
        }
        if (all || workload.equals("sandboxes")) {
            Sandboxes.run(report, berth.withPodInfra(podInfra), peer, nGiven ? n : Sandboxes.DEFAULT_N);
        }
        if (all || workload.equals("exec")) {
            Exec.run(report, berth, peer, nGiven ? n : Exec.DEFAULT_N);
        }
        if (all || workload.equals("list")) {
            ListContainers.run(report, berth, peer, nGiven ? n : ListContainers.DEFAULT_N);
        }
        report.print(System.out);
        if (results != null) {
            report.write(results);
        }
        if (report.failed()) {
            System.exit(1);
        }
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            throw new IllegalArgumentException("missing value after " + args[i - 1] + "; " + USAGE);
        }
        return args[i];
    }
}
