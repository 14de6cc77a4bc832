package dev.berth.itest;

import static dev.berth.itest.PodSandboxIT.mountsUnder;
import static dev.berth.itest.PodSandboxIT.processesMentioning;
import static dev.berth.itest.PodSandboxIT.sh;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonParser;
import dev.berth.api.cri.v1.Container;
import dev.berth.api.cri.v1.ContainerConfig;
import dev.berth.api.cri.v1.ContainerFilter;
import dev.berth.api.cri.v1.ContainerMetadata;
import dev.berth.api.cri.v1.ContainerState;
import dev.berth.api.cri.v1.ContainerStatsRequest;
import dev.berth.api.cri.v1.ContainerStatus;
import dev.berth.api.cri.v1.ContainerStatusRequest;
import dev.berth.api.cri.v1.ContainerStatusResponse;
import dev.berth.api.cri.v1.CreateContainerRequest;
import dev.berth.api.cri.v1.ImageSpec;
import dev.berth.api.cri.v1.LinuxContainerConfig;
import dev.berth.api.cri.v1.LinuxContainerSecurityContext;
import dev.berth.api.cri.v1.LinuxPodSandboxConfig;
import dev.berth.api.cri.v1.LinuxSandboxSecurityContext;
import dev.berth.api.cri.v1.ListContainerStatsRequest;
import dev.berth.api.cri.v1.ListContainersRequest;
import dev.berth.api.cri.v1.ListImagesRequest;
import dev.berth.api.cri.v1.ListPodSandboxRequest;
import dev.berth.api.cri.v1.NamespaceMode;
import dev.berth.api.cri.v1.NamespaceOption;
import dev.berth.api.cri.v1.PodSandbox;
import dev.berth.api.cri.v1.PodSandboxConfig;
import dev.berth.api.cri.v1.PodSandboxMetadata;
import dev.berth.api.cri.v1.PodSandboxState;
import dev.berth.api.cri.v1.PullImageRequest;
import dev.berth.api.cri.v1.RemoveContainerRequest;
import dev.berth.api.cri.v1.RemoveImageRequest;
import dev.berth.api.cri.v1.RemovePodSandboxRequest;
import dev.berth.api.cri.v1.RunPodSandboxRequest;
import dev.berth.api.cri.v1.StartContainerRequest;
import dev.berth.api.cri.v1.StopContainerRequest;
import dev.berth.api.cri.v1.StopPodSandboxRequest;
import dev.berth.itest.registry.Registries;
import dev.berth.testing.reliability.Fault;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue #9: restart recovery and faults. Many clients at once, berthd killed with SIGKILL in the middle of each
 * lifecycle call and of random workloads, and stopped with SIGTERM under running containers. After every restart the
 * daemon's view must match reality (running containers have live processes, exited ones an exit code and end time,
 * nothing half-made is stuck), and once everything is removed through the CRI nothing may be left on the host:
 * mounts, monitors, runc state, cgroups, container processes or writable layers. Random choices use fixed seeds and
 * are printed, so a failure can be replayed.
 */
@ExtendWith({Daemons.class, Registries.Extension.class})
class RecoveryIT {
    private static final Pattern ID64 = Pattern.compile("[0-9a-f]{64}");

    private final List<Berthd> daemons = new ArrayList<>();
    private final String cgroupParent = "/berth-it-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    /** Host pids of every container seen running: all must be gone once their containers are removed. */
    private final Set<Long> containerPids = ConcurrentHashMap.newKeySet();
    /** The logs of the daemons before the current one, oldest first. */
    private final List<String> previousLogs = new ArrayList<>();
    private Path dir;
    private TestConfig config;

    @BeforeAll
    static void requireRootRuncConmon() {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root");
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/runc")) || Files.isExecutable(Path.of("/usr/bin/runc")), "needs runc");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/conmon")) || Files.isExecutable(Path.of("/usr/libexec/podman/conmon")),
                "needs conmon");
    }

    // ------------------------------------------------------------------ 1. concurrency

    @Fault(value = "fifty clients creating pods and containers at once while others list and poll stats",
            expect = "no deadlock, List calls stay fast (p99 printed), the teardown leaves nothing")
    @Test
    @Timeout(value = 290, unit = TimeUnit.SECONDS)
    void fiftyClientsAtOnceWhileOthersListAndTheTeardownLeavesNothing(Daemons.Session s, Registries r) throws Exception {
        int clients = 50;
        Berthd d = start(s);
        String image = CriFixtures.pushAndPullBusybox(d, r);
        int layersBefore = snapshotDirs();

        List<Long> listContainersNanos = Collections.synchronizedList(new ArrayList<>());
        List<String> listFailures = new CopyOnWriteArrayList<>();
        AtomicBoolean writing = new AtomicBoolean(true);
        ExecutorService pool = Executors.newFixedThreadPool(clients + 2);
        try {
            List<Future<?>> pollers = new ArrayList<>();
            for (int p = 0; p < 2; p++) {
                pollers.add(pool.submit(() -> {
                    int calls = 0;
                    while (writing.get()) {
                        calls++;
                        try {
                            long t0 = System.nanoTime();
                            List<Container> cs = d.runtime().listContainers(ListContainersRequest.getDefaultInstance())
                                    .getContainersList();
                            listContainersNanos.add(System.nanoTime() - t0);
                            d.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance());
                            cs.stream().filter(c -> c.getState() == ContainerState.CONTAINER_RUNNING).findAny()
                                    .ifPresent(c -> d.runtime().containerStats(
                                            ContainerStatsRequest.newBuilder().setContainerId(c.getId()).build()));
                            d.runtime().listContainerStats(ListContainerStatsRequest.getDefaultInstance());
                        } catch (RuntimeException e) {
                            listFailures.add(e.toString());
                        }
                    }
                    return calls;
                }));
            }
            long t0 = System.nanoTime();
            List<Callable<String[]>> work = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                String name = String.format("c-%02d", i);
                work.add(() -> {
                    String pod = runPod(d, name);
                    String id = create(d, pod, "app", image, List.of("sleep", "300"));
                    d.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
                    return new String[] {pod, id};
                });
            }
            List<Future<String[]>> done = pool.invokeAll(work, 120, TimeUnit.SECONDS);
            writing.set(false);
            long writeMillis = (System.nanoTime() - t0) / 1_000_000;
            List<String[]> made = new ArrayList<>();
            List<String> writeFailures = new ArrayList<>();
            for (Future<String[]> f : done) {
                try {
                    made.add(f.get());
                } catch (java.util.concurrent.CancellationException e) {
                    writeFailures.add("not done within 120 s");
                } catch (java.util.concurrent.ExecutionException e) {
                    writeFailures.add(e.getCause().toString());
                }
            }
            int pollCalls = 0;
            for (Future<?> p : pollers) {
                pollCalls += (Integer) p.get(30, TimeUnit.SECONDS);
            }
            List<Long> sorted = new ArrayList<>(listContainersNanos);
            Collections.sort(sorted);
            System.out.printf("concurrency: %d clients done in %d ms; %d poll rounds; ListContainers during the writes:"
                            + " n=%d p50=%.1f ms p99=%.1f ms max=%.1f ms%n", clients, writeMillis, pollCalls, sorted.size(),
                    percentile(sorted, 50), percentile(sorted, 99), sorted.isEmpty() ? 0.0 : sorted.get(sorted.size() - 1) / 1e6);
            assertThat(writeFailures).as("RunPodSandbox/CreateContainer/StartContainer failures").isEmpty();
            assertThat(listFailures).as("List/Stats calls that failed during the writes").isEmpty();
            assertThat(sorted).as("ListContainers calls made during the writes").isNotEmpty();

            Map<String, PodSandbox> pods = pods(d).stream().collect(Collectors.toMap(PodSandbox::getId, p -> p));
            Map<String, Container> containers = containers(d).stream().collect(Collectors.toMap(Container::getId, c -> c));
            assertThat(pods).hasSize(clients);
            assertThat(containers).hasSize(clients);
            for (String[] m : made) {
                assertThat(pods.get(m[0]).getState()).as("pod " + m[0]).isEqualTo(PodSandboxState.SANDBOX_READY);
                assertThat(containers.get(m[1]).getState()).as("container " + m[1]).isEqualTo(ContainerState.CONTAINER_RUNNING);
                assertThat(containers.get(m[1]).getPodSandboxId()).isEqualTo(m[0]);
            }
            checkInvariants(d);

            // the teardown runs concurrently too
            long t1 = System.nanoTime();
            List<Callable<Void>> teardown = new ArrayList<>();
            for (String[] m : made) {
                teardown.add(() -> {
                    d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(m[0]).build());
                    d.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(m[0]).build());
                    return null;
                });
            }
            List<String> teardownFailures = new ArrayList<>();
            for (Future<Void> f : pool.invokeAll(teardown, 120, TimeUnit.SECONDS)) {
                try {
                    f.get();
                } catch (java.util.concurrent.CancellationException e) {
                    teardownFailures.add("not done within 120 s");
                } catch (java.util.concurrent.ExecutionException e) {
                    teardownFailures.add(e.getCause().toString());
                }
            }
            System.out.printf("concurrency: teardown of %d pods in %d ms%n", made.size(), (System.nanoTime() - t1) / 1_000_000);
            assertThat(teardownFailures).as("StopPodSandbox/RemovePodSandbox failures").isEmpty();
            assertNothingLeft(d, layersBefore);
        } finally {
            writing.set(false);
            pool.shutdownNow();
        }
    }

    // ------------------------------------------------------------------ 2. kill -9 during each lifecycle call

    @Fault(value = "berthd killed (SIGKILL) during RunPodSandbox, CreateContainer, StartContainer, RemovePodSandbox, RemoveImage",
            expect = "after restart the state is truthful and cleanable; no leaked mounts, netns, processes")
    @Test
    @Timeout(value = 170, unit = TimeUnit.SECONDS)
    void sigkillInTheMiddleOfEachLifecycleCallLeavesATruthfulAndCleanableState(Daemons.Session s, Registries r)
            throws Exception {
        Random random = new Random(9);
        Berthd d = start(s);
        String image = CriFixtures.pushAndPullBusybox(d, r);
        int layersBefore = snapshotDirs();
        List<String> broken = new ArrayList<>();

        for (int round = 0; round < 2; round++) {
            // during CreateContainer
            {
                String pod = runPod(d, "k-create-" + round);
                int delay = random.nextInt(151);
                d = killDuring(s, d, "CreateContainer", delay, x -> create(x, pod, "app", image, List.of("sleep", "300")));
                recordViolations(d, broken, what(round, delay));
                String id = createOrExisting(d, pod, "app", image);
                assertThat(status(d, id).getState()).as("after retry").isEqualTo(ContainerState.CONTAINER_CREATED);
                d.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
                assertRunningWithLivePid(d, id);
                removeEverything(d);
                assertNothingLeft(d, layersBefore);
            }

            // during StartContainer
            {
                String pod = runPod(d, "k-start-" + round);
                String id = create(d, pod, "app", image, List.of("sleep", "300"));
                int delay = random.nextInt(151);
                d = killDuring(s, d, "StartContainer", delay,
                        x -> x.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build()));
                recordViolations(d, broken, what(round, delay));
                ContainerState before = status(d, id).getState();
                System.out.println("after the kill during StartContainer the container is " + before);
                try {
                    d.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
                } catch (StatusRuntimeException e) {
                    // starting a running container may be refused, but must not harm it
                    assertThat(before).as("retrying StartContainer failed with " + e.getStatus())
                            .isEqualTo(ContainerState.CONTAINER_RUNNING);
                }
                assertRunningWithLivePid(d, id);
                removeEverything(d);
                assertNothingLeft(d, layersBefore);
            }

            // during RemovePodSandbox, with a running container in the pod
            {
                String pod = runPod(d, "k-remove-" + round);
                String id = create(d, pod, "app", image, List.of("sleep", "300"));
                d.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
                assertRunningWithLivePid(d, id);
                int delay = random.nextInt(151);
                d = killDuring(s, d, "RemovePodSandbox", delay,
                        x -> x.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build()));
                recordViolations(d, broken, what(round, delay));
                d.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
                assertThat(pods(d)).extracting(PodSandbox::getId).doesNotContain(pod);
                assertThat(containers(d)).extracting(Container::getId).doesNotContain(id);
                removeEverything(d);
                assertNothingLeft(d, layersBefore);
            }

            // during RunPodSandbox
            {
                int delay = random.nextInt(151);
                String name = "k-run-" + round;
                d = killDuring(s, d, "RunPodSandbox", delay, x -> runPod(x, name));
                recordViolations(d, broken, what(round, delay));
                String pod = runPodOrExisting(d, name);
                assertThat(pods(d)).filteredOn(p -> p.getMetadata().getName().equals(name)).extracting(PodSandbox::getId)
                        .containsExactly(pod);
                String id = create(d, pod, "app", image, List.of("sleep", "300"));
                d.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
                assertRunningWithLivePid(d, id);
                removeEverything(d);
                assertNothingLeft(d, layersBefore);
            }
        }
        // during RemoveImage, which also sets off the garbage collection of its blobs and snapshots
        {
            int delay = random.nextInt(151);
            RemoveImageRequest rm = RemoveImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(image)).build();
            d = killDuring(s, d, "RemoveImage", delay, x -> x.images().removeImage(rm));
            recordViolations(d, broken, "RemoveImage, kill after " + delay + " ms: ");
            d.images().removeImage(rm); // done or not before the kill: removing again is no error
            assertThat(d.images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList()).isEmpty();
            // the stores are consistent: the image pulls again in full and a container runs from it
            d.images().pullImage(PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(image)).build());
            assertThat(snapshotDirs()).as("snapshots after the pull again").isEqualTo(layersBefore);
            String pod = runPod(d, "k-rmi");
            String id = create(d, pod, "app", image, List.of("sleep", "300"));
            d.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
            assertRunningWithLivePid(d, id);
            removeEverything(d);
            assertNothingLeft(d, layersBefore);
        }
        assertThat(broken).as("invariants broken after a SIGKILL (seed 9)").isEmpty();
    }

    private static String what(int round, int delay) {
        return "round " + round + ", kill after " + delay + " ms: ";
    }

    /**
     * Records what is wrong after a restart, then goes on the way the kubelet would (removing containers the daemon
     * lost track of), so that one broken invariant does not hide the next.
     */
    private void recordViolations(Berthd d, List<String> into, String prefix) throws IOException {
        List<String> found = violations(d);
        printEvidence(d, found);
        found.forEach(v -> into.add(prefix + v));
        for (Container c : containers(d)) {
            if (c.getState() == ContainerState.CONTAINER_UNKNOWN) {
                d.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(c.getId()).build());
            }
        }
    }

    // ------------------------------------------------------------------ 3. SIGTERM leaves containers running

    @Fault(value = "SIGTERM to berthd",
            expect = "stops serving, containers keep running, a restart finds them")
    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void gracefulStopLeavesContainersRunningAndARestartFindsThem(Daemons.Session s, Registries r) throws Exception {
        Berthd d = start(s);
        String image = CriFixtures.pushAndPullBusybox(d, r);
        int layersBefore = snapshotDirs();
        String pod = runPod(d, "term");
        String id = create(d, pod, "ticker", image,
                List.of("sh", "-c", "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.1; done"));
        d.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
        long pid = assertRunningWithLivePid(d, id);
        Path log = Path.of(status(d, id).getLogPath());
        awaitLines(log, 2);

        assertThat(d.terminate()).as("berthd exit status after SIGTERM").isZero();
        String cmdline = cmdline(pid);
        assertThat(cmdline).as("container process %d after SIGTERM to berthd", pid).startsWith("sh -c");
        long whileDown = lines(log);
        Thread.sleep(600);
        assertThat(lines(log)).as("the log grows while berthd is down").isGreaterThan(whileDown);

        d = restart(s);
        ContainerStatusResponse st = verbose(d, id);
        assertThat(st.getStatus().getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
        assertThat(pidOf(st)).as("the same process").isEqualTo(pid);
        assertThat(pods(d)).extracting(PodSandbox::getId, PodSandbox::getState)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(pod, PodSandboxState.SANDBOX_READY));
        long afterRestart = lines(log);
        awaitLines(log, afterRestart + 3);
        checkInvariants(d);

        d.runtime().stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(0).build());
        ContainerStatus stopped = status(d, id);
        assertThat(stopped.getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
        assertThat(stopped.getExitCode()).isEqualTo(137);
        removeEverything(d);
        assertNothingLeft(d, layersBefore);
    }

    // ------------------------------------------------------------------ 4. chaos

    @Fault(value = "chaos loop: random workloads and SIGKILLs of berthd",
            expect = "after each restart every invariant holds")
    @Test
    @Timeout(value = 170, unit = TimeUnit.SECONDS)
    void chaosLoopOfRandomWorkloadsAndSigkills(Daemons.Session s, Registries r) throws Exception {
        long seed = 4242;
        int iterations = 10;
        Random random = new Random(seed);
        Berthd d = start(s);
        String image = CriFixtures.pushAndPullBusybox(d, r);
        int layersBefore = snapshotDirs();
        long t0 = System.nanoTime();
        List<String> allViolations = new ArrayList<>();
        for (int i = 0; i < iterations; i++) {
            List<Op> ops = new ArrayList<>();
            int n = 3 + random.nextInt(6);
            for (int k = 0; k < n; k++) {
                ops.add(Op.values()[random.nextInt(Op.values().length)]);
            }
            long opSeed = random.nextLong();
            int delay = 50 + random.nextInt(651);
            Berthd current = d;
            String prefix = "i" + i + "-";
            List<String> trace = new CopyOnWriteArrayList<>();
            AtomicBoolean killed = new AtomicBoolean();
            List<String> unexpected = new CopyOnWriteArrayList<>();
            Thread worker = new Thread(() -> {
                Random opRandom = new Random(opSeed);
                int serial = 0;
                for (Op op : ops) {
                    try {
                        trace.add(apply(current, op, opRandom, image, prefix + serial++));
                    } catch (RuntimeException e) {
                        if (!killed.get()) {
                            unexpected.add(op + ": " + e);
                        }
                        return;
                    }
                }
            }, "chaos-workload");
            worker.start();
            Thread.sleep(delay);
            killed.set(true);
            current.process().destroyForcibly().waitFor();
            worker.join(35_000);
            System.out.printf("chaos %d: ops %s, SIGKILL after %d ms; done before the kill: %s%n", i, ops, delay, trace);
            int iteration = i;
            unexpected.forEach(u -> allViolations.add("iteration " + iteration + ": call failed before the kill: " + u));
            d = restart(s);
            recordViolations(d, allViolations, "iteration " + iteration + ": ");
            // keep the node small: past three pods, the oldest goes
            List<PodSandbox> pods = pods(d);
            if (pods.size() > 3) {
                String oldest = pods.get(0).getId();
                d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(oldest).build());
                d.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(oldest).build());
            }
        }
        System.out.printf("chaos: %d iterations in %d ms%n", iterations, (System.nanoTime() - t0) / 1_000_000);
        assertThat(allViolations).as("invariants broken after a SIGKILL (seed %d)", seed).isEmpty();
        removeEverything(d);
        assertNothingLeft(d, layersBefore);
    }

    private enum Op { RUN_POD, CREATE, START, STOP, REMOVE_CONTAINER, STOP_POD, REMOVE_POD }

    /** One step of the chaos workload on what exists now; returns what it did. */
    private String apply(Berthd d, Op op, Random random, String image, String name) {
        List<PodSandbox> ready = pods(d).stream().filter(p -> p.getState() == PodSandboxState.SANDBOX_READY).toList();
        List<Container> cs = containers(d);
        switch (op) {
            case RUN_POD:
                return "run " + runPod(d, "p-" + name).substring(0, 8);
            case CREATE:
                if (ready.isEmpty()) {
                    return "run " + runPod(d, "p-" + name).substring(0, 8);
                }
                String pod = ready.get(random.nextInt(ready.size())).getId();
                return "create " + create(d, pod, "c-" + name, image,
                        random.nextBoolean() ? List.of("sleep", "300") : List.of("sh", "-c", "sleep 0.3; exit 3")).substring(0, 8);
            case START:
                return pick(cs, ContainerState.CONTAINER_CREATED, random).map(c -> {
                    d.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(c.getId()).build());
                    return "start " + c.getId().substring(0, 8);
                }).orElse("start: none");
            case STOP:
                return pick(cs, ContainerState.CONTAINER_RUNNING, random).map(c -> {
                    d.runtime().stopContainer(StopContainerRequest.newBuilder().setContainerId(c.getId()).setTimeout(0).build());
                    return "stop " + c.getId().substring(0, 8);
                }).orElse("stop: none");
            case REMOVE_CONTAINER:
                if (cs.isEmpty()) {
                    return "remove: none";
                }
                String id = cs.get(random.nextInt(cs.size())).getId();
                d.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
                return "remove " + id.substring(0, 8);
            case STOP_POD:
                if (ready.isEmpty()) {
                    return "stop pod: none";
                }
                String stop = ready.get(random.nextInt(ready.size())).getId();
                d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(stop).build());
                return "stop pod " + stop.substring(0, 8);
            case REMOVE_POD:
                List<PodSandbox> all = pods(d);
                if (all.isEmpty()) {
                    return "remove pod: none";
                }
                String remove = all.get(random.nextInt(all.size())).getId();
                d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(remove).build());
                d.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(remove).build());
                return "remove pod " + remove.substring(0, 8);
            default:
                throw new AssertionError(op);
        }
    }

    private static java.util.Optional<Container> pick(List<Container> cs, ContainerState state, Random random) {
        List<Container> in = cs.stream().filter(c -> c.getState() == state).toList();
        return in.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(in.get(random.nextInt(in.size())));
    }

    // ------------------------------------------------------------------ the invariants

    /**
     * What the daemon says matches reality: RUNNING containers have a live process that is the container's own
     * command, CREATED ones a live runc init still waiting for start, EXITED ones an exit code and an end time; no
     * container is UNKNOWN or belongs to a pod that is not listed; no two pods share a name.
     */
    private void checkInvariants(Berthd d) throws IOException {
        List<String> violations = violations(d);
        printEvidence(d, violations);
        assertThat(violations).as("state after restart").isEmpty();
    }

    private List<String> violations(Berthd d) throws IOException {
        List<String> violations = new ArrayList<>();
        List<PodSandbox> pods = pods(d);
        Set<String> podIds = pods.stream().map(PodSandbox::getId).collect(Collectors.toSet());
        Set<String> podNames = new HashSet<>();
        for (PodSandbox p : pods) {
            PodSandboxMetadata m = p.getMetadata();
            if (!podNames.add(m.getNamespace() + "/" + m.getName() + "/" + m.getUid() + "/" + m.getAttempt())) {
                violations.add("two pods named " + m.getName() + " (attempt " + m.getAttempt() + ")");
            }
            if (p.getState() != PodSandboxState.SANDBOX_READY && p.getState() != PodSandboxState.SANDBOX_NOTREADY) {
                violations.add("pod " + p.getId() + " is " + p.getState());
            }
        }
        Set<String> names = new HashSet<>();
        for (Container c : containers(d)) {
            String what = "container " + c.getId() + " (" + c.getMetadata().getName() + ")";
            if (!podIds.contains(c.getPodSandboxId())) {
                violations.add(what + " belongs to pod " + c.getPodSandboxId() + ", which is not listed");
            }
            if (!names.add(c.getPodSandboxId() + "/" + c.getMetadata().getName() + "/" + c.getMetadata().getAttempt())) {
                violations.add(what + ": a second container of that name in its pod");
            }
            ContainerStatusResponse v = verbose(d, c.getId());
            ContainerStatus st = v.getStatus();
            if (st.getState() != c.getState()) {
                continue; // it changed between the two calls (an exit): not a lie
            }
            long pid = pidOf(v);
            switch (st.getState()) {
                case CONTAINER_RUNNING -> {
                    String cmd = cmdline(pid);
                    if (pid <= 0 || cmd == null) {
                        violations.add(what + " is RUNNING but its pid " + pid + " is not alive");
                    } else if (cmd.contains("runc init")) {
                        violations.add(what + " is RUNNING but its pid " + pid + " is still runc init (never started)");
                    } else {
                        containerPids.add(pid);
                    }
                    if (st.getStartedAt() <= 0) {
                        violations.add(what + " is RUNNING without started_at");
                    }
                }
                case CONTAINER_CREATED -> {
                    String cmd = cmdline(pid);
                    if (pid <= 0 || cmd == null) {
                        violations.add(what + " is CREATED but its pid " + pid + " is not alive");
                    } else if (!cmd.contains("init")) {
                        violations.add(what + " is CREATED but its pid " + pid + " already runs the container's command: " + cmd);
                        containerPids.add(pid);
                    }
                }
                case CONTAINER_EXITED -> {
                    if (st.getFinishedAt() <= 0) {
                        violations.add(what + " is EXITED without finished_at: " + st);
                    }
                    if (st.getExitCode() == 0 && !"Completed".equals(st.getReason())) {
                        violations.add(what + " is EXITED with code 0 but reason " + st.getReason());
                    }
                    if (st.getStartedAt() > 0 && st.getFinishedAt() < st.getStartedAt()) {
                        violations.add(what + " finished before it started");
                    }
                }
                default -> violations.add(what + " is " + st.getState() + ": " + st.getReason() + " " + st.getMessage());
            }
        }
        return violations;
    }

    /** For each violation naming an id: what the killed daemon and the current one logged about it. */
    private void printEvidence(Berthd d, List<String> violations) throws IOException {
        for (String v : violations) {
            Matcher m = ID64.matcher(v);
            if (!m.find()) {
                continue;
            }
            String id = m.group();
            StringBuilder b = new StringBuilder("evidence for: " + v + "\n");
            String previous = previousLogs.isEmpty() ? "" : previousLogs.get(previousLogs.size() - 1);
            b.append("  -- killed daemon:\n");
            previous.lines().filter(l -> l.contains(id)).forEach(l -> b.append("    ").append(l).append('\n'));
            b.append("  -- restarted daemon:\n");
            d.log().lines().filter(l -> l.contains(id)).forEach(l -> b.append("    ").append(l).append('\n'));
            System.out.print(b);
        }
    }

    /** Removes every pod and container through the CRI, as the kubelet would. */
    private void removeEverything(Berthd d) {
        for (PodSandbox p : pods(d)) {
            d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(p.getId()).build());
            d.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(p.getId()).build());
        }
        for (Container c : containers(d)) {
            d.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(c.getId()).build());
        }
    }

    /** Nothing of any container or pod is left on the host once all were removed through the CRI. */
    private void assertNothingLeft(Berthd d, int layersBefore) throws Exception {
        assertThat(pods(d)).as("pods").isEmpty();
        assertThat(containers(d)).as("containers").isEmpty();
        assertThat(mountsUnder(dir)).as("mounts under " + dir).isEmpty();
        Set<String> daemonPids = daemons.stream().map(b -> Long.toString(b.process().pid())).collect(Collectors.toSet());
        assertThat(processesMentioning(dir.toString())).as("processes (conmon, runc) mentioning " + dir)
                .filteredOn(p -> !daemonPids.contains(p.substring(0, p.indexOf(':')))).isEmpty();
        assertThat(containerPids.stream().filter(pid -> cmdline(pid) != null).map(pid -> pid + ": " + cmdline(pid)).toList())
                .as("container processes still alive").isEmpty();
        assertThat(list(dir.resolve("state/io.berth.runtime.v2.runc/runc"))).as("runc state dirs").isEmpty();
        assertThat(cgroupsUnderParent()).as("cgroups under " + cgroupParent).isEmpty();
        assertThat(snapshotDirs()).as("snapshot dirs (image layers only)").isEqualTo(layersBefore);
    }

    // ------------------------------------------------------------------ kill and restart

    @FunctionalInterface
    private interface Call {
        Object on(Berthd d) throws Exception;
    }

    /** Starts {@code call} on another thread, SIGKILLs berthd {@code delayMillis} later and starts a new one. */
    private Berthd killDuring(Daemons.Session s, Berthd d, String what, int delayMillis, Call call) throws Exception {
        ExecutorService one = Executors.newSingleThreadExecutor();
        try {
            long t0 = System.nanoTime();
            Future<Object> f = one.submit(() -> call.on(d));
            Thread.sleep(delayMillis);
            boolean finished = f.isDone();
            d.process().destroyForcibly().waitFor();
            String outcome;
            try {
                outcome = "returned " + f.get(35, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                outcome = "failed: " + e.getCause();
            }
            System.out.printf("SIGKILL during %s after %d ms (call %s before the kill): %s; %d ms in all%n", what, delayMillis,
                    finished ? "had finished" : "still running", outcome, (System.nanoTime() - t0) / 1_000_000);
        } finally {
            one.shutdownNow();
        }
        return restart(s);
    }

    private Berthd restart(Daemons.Session s) throws Exception {
        // each launch truncates berthd.log: keep the killed daemon's log for the evidence
        Path log = dir.resolve("berthd.log");
        if (Files.exists(log)) {
            previousLogs.add(Files.readString(log, StandardCharsets.UTF_8));
            Files.copy(log, dir.resolve("berthd." + previousLogs.size() + ".log"));
        }
        long t0 = System.nanoTime();
        Berthd d = s.start(config);
        daemons.add(d);
        System.out.printf("berthd restarted in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        return d;
    }

    /** CreateContainer retried after a crash: a new container, or the one the crashed call made. */
    private String createOrExisting(Berthd d, String pod, String name, String image) {
        try {
            return create(d, pod, name, image, List.of("sleep", "300"));
        } catch (StatusRuntimeException e) {
            assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(Status.Code.ALREADY_EXISTS);
            String id = namedId(e);
            assertThat(containers(d)).extracting(Container::getId).as("the container ALREADY_EXISTS names").contains(id);
            return id;
        }
    }

    /** RunPodSandbox retried after a crash: a new pod, or (stopped and removed if not ready) the one the crash left. */
    private String runPodOrExisting(Berthd d, String name) {
        try {
            return runPod(d, name);
        } catch (StatusRuntimeException e) {
            assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(Status.Code.ALREADY_EXISTS);
            String id = namedId(e);
            PodSandbox existing = pods(d).stream().filter(p -> p.getId().equals(id)).findFirst()
                    .orElseThrow(() -> new AssertionError("ALREADY_EXISTS names pod " + id + ", which is not listed"));
            System.out.println("retried RunPodSandbox: ALREADY_EXISTS naming " + id + ", which is " + existing.getState());
            if (existing.getState() == PodSandboxState.SANDBOX_READY) {
                return id;
            }
            // as the kubelet does with a pod that never became ready: remove it and run the pod again
            d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
            d.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
            return runPod(d, name);
        }
    }

    private static String namedId(StatusRuntimeException e) {
        Matcher m = ID64.matcher(String.valueOf(e.getStatus().getDescription()));
        String last = null;
        while (m.find()) {
            last = m.group();
        }
        assertThat(last).as("ALREADY_EXISTS names an id: " + e.getStatus().getDescription()).isNotNull();
        return last;
    }

    // ------------------------------------------------------------------ CRI helpers

    private Berthd start(Daemons.Session s) throws Exception {
        config = s.config();
        dir = config.dir();
        Berthd d = s.start(config);
        daemons.add(d);
        return d;
    }


    private String runPod(Berthd d, String name) {
        PodSandboxConfig pod = PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName(name).setNamespace("itest").setUid("uid-" + name))
                .setLogDirectory(dir.resolve("logs").resolve(name).toString())
                .setLinux(LinuxPodSandboxConfig.newBuilder().setCgroupParent(cgroupParent).setSecurityContext(
                        LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(
                                NamespaceOption.newBuilder().setNetwork(NamespaceMode.NODE).setPid(NamespaceMode.CONTAINER))))
                .build();
        return d.runtime().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(pod).build()).getPodSandboxId();
    }

    private static String create(Berthd d, String pod, String name, String image, List<String> command) {
        ContainerConfig.Builder c = ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(name))
                .setImage(ImageSpec.newBuilder().setImage(image))
                .addAllCommand(command)
                .setLogPath(name + "/0.log")
                .setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(LinuxContainerSecurityContext.newBuilder()
                        .setNamespaceOptions(NamespaceOption.newBuilder().setNetwork(NamespaceMode.NODE)
                                .setPid(NamespaceMode.CONTAINER))));
        return d.runtime().createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(pod).setConfig(c)
                .setSandboxConfig(PodSandboxConfig.getDefaultInstance()).build()).getContainerId();
    }

    private static List<PodSandbox> pods(Berthd d) {
        return d.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList();
    }

    private static List<Container> containers(Berthd d) {
        return d.runtime().listContainers(ListContainersRequest.newBuilder().setFilter(ContainerFilter.getDefaultInstance())
                .build()).getContainersList();
    }

    private static ContainerStatus status(Berthd d, String id) {
        return d.runtime().containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id).build()).getStatus();
    }

    private static ContainerStatusResponse verbose(Berthd d, String id) {
        return d.runtime().containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id).setVerbose(true).build());
    }

    private static long pidOf(ContainerStatusResponse v) {
        String info = v.getInfoMap().get("info");
        assertThat(info).as("verbose info of " + v.getStatus().getId()).isNotNull();
        return JsonParser.parseString(info).getAsJsonObject().get("pid").getAsLong();
    }

    /** Asserts the container is RUNNING with a live process running its own command; returns that pid. */
    private long assertRunningWithLivePid(Berthd d, String id) {
        ContainerStatusResponse v = verbose(d, id);
        assertThat(v.getStatus().getState()).as("container " + id + ": " + v.getStatus().getMessage())
                .isEqualTo(ContainerState.CONTAINER_RUNNING);
        long pid = pidOf(v);
        assertThat(cmdline(pid)).as("command line of pid %d of container %s", pid, id).isNotNull().doesNotContain("runc init");
        containerPids.add(pid);
        return pid;
    }

    // ------------------------------------------------------------------ host helpers

    /** The command line of a live process, null when there is none (zombies count as gone). */
    private static String cmdline(long pid) {
        if (pid <= 0) {
            return null;
        }
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            if (stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z")) {
                return null;
            }
            return new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")), StandardCharsets.UTF_8)
                    .replace('\0', ' ').strip();
        } catch (IOException e) {
            return null;
        }
    }

    private static List<String> list(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private int snapshotDirs() throws IOException {
        Path snapshots = dir.resolve("root/io.berth.snapshotter.v1.overlayfs/snapshots");
        assertThat(snapshots).isDirectory();
        return list(snapshots).size();
    }

    /** Cgroup directories below the test's parent, in every hierarchy (the parent itself may stay). */
    private List<Path> cgroupsUnderParent() throws IOException {
        List<Path> found = new ArrayList<>();
        try (Stream<Path> hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path h : hierarchies.toList()) {
                Path parent = h.resolve(cgroupParent.substring(1));
                if (Files.isDirectory(parent)) {
                    try (Stream<Path> tree = Files.walk(parent)) {
                        tree.filter(p -> !p.equals(parent) && Files.isDirectory(p)).forEach(found::add);
                    }
                }
            }
        }
        return found;
    }

    private static long lines(Path log) throws IOException {
        return Files.exists(log) ? Files.readAllLines(log).size() : 0;
    }

    private static void awaitLines(Path log, long atLeast) throws Exception {
        for (int i = 0; i < 100; i++) {
            if (lines(log) >= atLeast) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("log " + log + " has " + lines(log) + " lines after 5 s, expected " + atLeast);
    }

    private static double percentile(List<Long> sortedNanos, int p) {
        if (sortedNanos.isEmpty()) {
            return 0;
        }
        int i = (int) Math.ceil(p / 100.0 * sortedNanos.size()) - 1;
        return sortedNanos.get(Math.max(0, Math.min(i, sortedNanos.size() - 1))) / 1e6;
    }

    // ------------------------------------------------------------------ cleanup

    /** Whatever a test left, pass or fail: through the CRI first, then by hand (runc, monitors, mounts, cgroups). */
    @AfterEach
    void cleanUp() throws Exception {
        for (Berthd d : daemons) {
            if (d.process().isAlive()) {
                try {
                    // containers first: a pod holding a container the runtime lost cannot be stopped (see issue #9)
                    for (Container c : containers(d)) {
                        d.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(c.getId()).build());
                    }
                    removeEverything(d);
                } catch (RuntimeException e) {
                    System.err.println("cleanup through the CRI failed, cleaning up by hand: " + e);
                }
            }
            d.close();
        }
        if (dir == null) {
            return;
        }
        Path runcRoot = dir.resolve("state/io.berth.runtime.v2.runc/runc");
        for (String id : list(runcRoot)) {
            sh("runc", "--root", runcRoot.toString(), "delete", "--force", id);
        }
        for (String p : processesMentioning(dir.toString())) {
            sh("kill", "-9", p.substring(0, p.indexOf(':')));
        }
        for (long pid : containerPids) {
            if (cmdline(pid) != null) {
                sh("kill", "-9", Long.toString(pid));
            }
        }
        for (Path m : mountsUnder(dir)) {
            sh("umount", "-l", m.toString());
        }
        try (Stream<Path> hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path h : hierarchies.toList()) {
                Path cg = h.resolve(cgroupParent.substring(1));
                if (Files.isDirectory(cg)) {
                    try (Stream<Path> tree = Files.walk(cg)) {
                        tree.filter(Files::isDirectory).sorted((a, b) -> b.getNameCount() - a.getNameCount())
                                .forEach(p -> p.toFile().delete());
                    }
                }
            }
        }
        assertThat(mountsUnder(dir)).as("mounts left under " + dir).isEmpty();
        assertThat(processesMentioning(dir.toString())).as("processes left").isEmpty();
    }
}
