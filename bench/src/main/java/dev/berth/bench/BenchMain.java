package dev.berth.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code bench/run [--workload NAME] [-n N]}: runs the workloads against the built distribution and prints one
 * table (workload, p50, p90, target). Every workload is bounded in count and cleans up after itself.
 */
public final class BenchMain {
    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        dev.berth.core.logging.LogSetup.configure("warn", "text");
        Path home = null;
        Path results = null;
        String workload = "all";
        int n = 10;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--home" -> home = Path.of(args[++i]);
                case "--results" -> results = Path.of(args[++i]);
                case "--workload" -> workload = args[++i];
                case "-n" -> n = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + "; usage: bench/run [--workload coldstart] [-n N]");
            }
        }
        if (home == null) {
            throw new IllegalArgumentException("--home is required");
        }
        n = Math.max(1, Math.min(n, 100));
        List<Result> all = new ArrayList<>();
        if (workload.equals("all") || workload.equals("coldstart")) {
            all.addAll(ColdStart.run(home, n));
        }
        if (all.isEmpty()) {
            throw new IllegalArgumentException("unknown workload " + workload + "; known: coldstart");
        }
        print(all);
        if (results != null) {
            Files.createDirectories(results.toAbsolutePath().getParent());
            Files.writeString(results, json(all));
        }
    }

    private static void print(List<Result> rows) {
        System.out.printf(Locale.ROOT, "%-32s %-5s %10s %10s %4s  %-10s %s%n", "WORKLOAD", "UNIT", "BERTH p50", "BERTH p90", "N", "TARGET", "MET");
        for (Result r : rows) {
            System.out.printf(Locale.ROOT, "%-32s %-5s %10.1f %10.1f %4d  %-10s %s%n", r.workload(), r.unit(),
                    r.berth().p50(), r.berth().p90(), r.berth().n(), r.target(), r.met() ? "yes" : "NO");
        }
    }

    private static String json(List<Result> rows) {
        StringBuilder b = new StringBuilder("[\n");
        for (int i = 0; i < rows.size(); i++) {
            Result r = rows.get(i);
            b.append(String.format(Locale.ROOT,
                    "  {\"workload\": \"%s\", \"unit\": \"%s\", \"p50\": %.2f, \"p90\": %.2f, \"min\": %.2f, \"max\": %.2f, \"n\": %d, \"target\": \"%s\", \"met\": %s}%s%n",
                    r.workload(), r.unit(), r.berth().p50(), r.berth().p90(), r.berth().min(), r.berth().max(), r.berth().n(),
                    r.target(), r.met(), i + 1 < rows.size() ? "," : ""));
        }
        return b.append("]\n").toString();
    }
}
