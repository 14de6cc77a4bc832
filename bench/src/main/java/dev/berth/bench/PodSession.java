package dev.berth.bench;

import dev.berth.api.cri.v1.PodSandboxConfig;
import dev.berth.api.cri.v1.RuntimeServiceGrpc;
import dev.berth.core.client.UnixSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One daemon's session of a pod workload (containers, exec, list), set up the same way for each so that the workloads
 * differ only in what they measure: the daemon launched for pods and answering, the image pulled through the CRI, one
 * host-network pod running, and a {@link CriCleanup} that removes whatever the session made when it ends, failed or not.
 *
 * @param cgroupParent the cgroup parent of the session's pods, which the cleanup removes with whatever is left in it
 * @param logs         the session's log directory (the pod's logs are in {@code logs/<pod name>})
 */
record PodSession(DaemonUnderTest daemon, RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime, CriCleanup cleanup,
                  String cgroupParent, Path logs, PodSandboxConfig pod, String podId) {
    private static final long START_MILLIS = 30_000;

    /** What a workload measures in its session. */
    @FunctionalInterface
    interface Body<S> {
        S run(PodSession session) throws Exception;
    }

    /**
     * How a workload's sessions are named and bounded.
     *
     * @param workload            the workload's name, for the error of a failed session
     * @param podName             the pod's metadata name
     * @param cleanupBudgetMillis how long the cleanup may go on through the CRI before it works by hand
     * @param summary             what the cleanup says when done
     */
    record Spec(String workload, String podName, long cleanupBudgetMillis, CriCleanup.Summary summary) {
    }

    /**
     * Runs {@code body} in a session on {@code launcher}'s daemon (pods in {@code cgroupParent}, logs under
     * {@code work}); a runtime failure after the daemon answered comes back with the daemon's name and log.
     */
    static <S> S run(Spec spec, DaemonLauncher launcher, String registryHost, String image, String cgroupParent, Path work,
                     Body<S> body) throws Exception {
        Path logs = Files.createDirectories(work.resolve("logs-" + launcher.name()));
        try (DaemonUnderTest d = launcher.launchForPods(registryHost, image);
             UnixSocketChannel ch = new UnixSocketChannel(d.socket());
             CriCleanup cleanup = new CriCleanup(d, cgroupParent, spec.cleanupBudgetMillis(), spec.summary())) {
            d.awaitListening(START_MILLIS);
            d.awaitVersion(START_MILLIS);
            RuntimeServiceGrpc.RuntimeServiceBlockingStub rt = RuntimeServiceGrpc.newBlockingStub(ch.channel());
            cleanup.runtime = rt;
            try {
                BenchPods.pull(ch.channel(), image);
                PodSandboxConfig pod = BenchPods.hostNetworkPod(spec.podName(), cgroupParent, logs.resolve(spec.podName()));
                String podId = BenchPods.runPod(rt, pod);
                cleanup.pods.add(podId);
                return body.run(new PodSession(d, rt, cleanup, cgroupParent, logs, pod, podId));
            } catch (RuntimeException e) {
                throw new IllegalStateException(d.name() + ": " + spec.workload() + " workload failed: " + e + "\n" + d.log(), e);
            }
        }
    }
}
