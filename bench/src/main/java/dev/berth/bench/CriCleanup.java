package dev.berth.bench;

import dev.berth.api.cri.v1.RuntimeServiceGrpc;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Removes what one daemon's measurement made, before the daemon is stopped: through the CRI first (StopContainer
 * with timeout 0, RemoveContainer, StopPodSandbox, RemovePodSandbox, each bounded, all within a budget), then by hand
 * whatever is left: the monitor processes naming the daemon's dir (by pid) and the pod cgroups with the containers
 * (and anything else still running in them) under the cgroup parent.
 */
final class CriCleanup implements AutoCloseable {
    /** What to say once everything is removed. */
    @FunctionalInterface
    interface Summary {
        void print(DaemonUnderTest daemon, int containers, int pods, double seconds, int failedCalls);
    }

    final List<String> containers = new ArrayList<>();
    final List<String> pods = new ArrayList<>();
    /** Set once the daemon answers; without it only the by-hand part runs. */
    RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime;
    private final DaemonUnderTest daemon;
    private final String cgroupParent;
    private final long budgetMillis;
    private final Summary summary;
    private long deadline;

    CriCleanup(DaemonUnderTest daemon, String cgroupParent, long budgetMillis, Summary summary) {
        this.daemon = daemon;
        this.cgroupParent = cgroupParent;
        this.budgetMillis = budgetMillis;
        this.summary = summary;
    }

    @Override
    public void close() throws IOException {
        long t0 = System.nanoTime();
        deadline = t0 + TimeUnit.MILLISECONDS.toNanos(budgetMillis);
        int failures = 0;
        if (runtime != null) {
            for (String id : containers) {
                failures += call(() -> BenchPods.stopContainer(runtime, id));
                failures += call(() -> BenchPods.removeContainer(runtime, id));
            }
            for (String id : pods) {
                failures += call(() -> BenchPods.stopPod(runtime, id));
                failures += call(() -> BenchPods.removePod(runtime, id));
            }
        }
        List<Procs.Proc> left = new ArrayList<>(Procs.named("conmon", daemon.dir().toString()));
        left.addAll(Procs.named("containerd-shim-runc-v2", daemon.dir().toString()));
        if (!left.isEmpty()) {
            System.err.println("bench: killing " + left.size() + " monitor process(es) " + daemon.name() + " left");
            Procs.kill(left);
        }
        Cgroups.removeAll(cgroupParent);
        summary.print(daemon, containers.size(), pods.size(), (System.nanoTime() - t0) / 1e9, failures);
    }

    /** 0 when {@code r} succeeded, 1 when it failed or was skipped (cleanup budget spent: the rest is done by hand). */
    private int call(Runnable r) {
        if (System.nanoTime() > deadline) {
            return 1;
        }
        try {
            r.run();
            return 0;
        } catch (RuntimeException e) {
            System.err.println("bench: cleanup: " + e);
            return 1;
        }
    }
}
