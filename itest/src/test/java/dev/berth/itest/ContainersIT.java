package dev.berth.itest;

import static dev.berth.itest.CriPods.awaitExited;
import static dev.berth.itest.CriPods.status;
import static dev.berth.itest.PodSandboxIT.mountsUnder;
import static dev.berth.itest.PodSandboxIT.processesMentioning;
import static dev.berth.itest.PodSandboxIT.sh;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonParser;
import dev.berth.api.cri.v1.Capability;
import dev.berth.api.cri.v1.Container;
import dev.berth.api.cri.v1.ContainerEventResponse;
import dev.berth.api.cri.v1.ContainerEventType;
import dev.berth.api.cri.v1.GetEventsRequest;
import dev.berth.api.cri.v1.Int64Value;
import dev.berth.api.cri.v1.RuntimeServiceGrpc;
import dev.berth.api.cri.v1.ContainerConfig;
import dev.berth.api.cri.v1.ContainerFilter;
import dev.berth.api.cri.v1.ContainerState;
import dev.berth.api.cri.v1.ContainerStateValue;
import dev.berth.api.cri.v1.ContainerStats;
import dev.berth.api.cri.v1.ContainerStatsRequest;
import dev.berth.api.cri.v1.ContainerStatus;
import dev.berth.api.cri.v1.ContainerStatusRequest;
import dev.berth.api.cri.v1.ExecSyncRequest;
import dev.berth.api.cri.v1.ExecSyncResponse;
import dev.berth.api.cri.v1.KeyValue;
import dev.berth.api.cri.v1.LinuxContainerConfig;
import dev.berth.api.cri.v1.LinuxContainerResources;
import dev.berth.api.cri.v1.LinuxContainerSecurityContext;
import dev.berth.api.cri.v1.ListContainersRequest;
import dev.berth.api.cri.v1.ListPodSandboxRequest;
import dev.berth.api.cri.v1.Mount;
import dev.berth.api.cri.v1.NamespaceMode;
import dev.berth.api.cri.v1.NamespaceOption;
import dev.berth.api.cri.v1.PodSandbox;
import dev.berth.api.cri.v1.PodSandboxStats;
import dev.berth.api.cri.v1.PodSandboxStatsRequest;
import dev.berth.api.cri.v1.ListPodSandboxStatsRequest;
import dev.berth.api.cri.v1.RemoveContainerRequest;
import dev.berth.api.cri.v1.RemovePodSandboxRequest;
import dev.berth.api.cri.v1.ReopenContainerLogRequest;
import dev.berth.api.cri.v1.StartContainerRequest;
import dev.berth.api.cri.v1.StatusRequest;
import dev.berth.api.cri.v1.StopContainerRequest;
import dev.berth.api.cri.v1.StopPodSandboxRequest;
import dev.berth.api.cri.v1.UpdateContainerResourcesRequest;
import dev.berth.itest.registry.Registries;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Containers through the CRI of a real berthd: real runc under conmon, overlay snapshots of an image pulled from a
 * local registry, pods with host networking (the network path is PodSandboxIT's). Each pod gets its own cgroup parent,
 * removed with everything else after each test, pass or fail.
 */
@ExtendWith({Daemons.class, Registries.Extension.class})
class ContainersIT {
    private final List<Berthd> daemons = new ArrayList<>();
    private final String cgroupParent = "/berth-it-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    private Path dir;

    @BeforeAll
    static void requireRootRuncConmon() {
        CriPods.assumeRootRuncConmon();
    }

    // ------------------------------------------------------------------ tests

    @Test
    void containerLifecycleLogsExecStatsAndUpdate(Daemons.Session s, Registries r) throws Exception {
        Berthd d = start(s, s.config());
        String image = CriFixtures.pushAndPullBusybox(d, r);
        assertThat(d.runtime().status(StatusRequest.getDefaultInstance()).getStatus().getConditionsList())
                .filteredOn(c -> c.getType().equals("RuntimeReady")).singleElement()
                .satisfies(c -> assertThat(c.getStatus()).as(c.getMessage()).isTrue());
        String pod = runPod(d, "web");

        String id = create(d, pod, "app", image, List.of("sh", "-c",
                "echo out; echo err >&2; printf partial; sleep 0.5; echo \" greeting=$GREETING pwd=$(pwd)\"; sleep 300"));
        ContainerStatus created = status(d, id);
        assertThat(created.getState()).isEqualTo(ContainerState.CONTAINER_CREATED);
        assertThat(created.getMetadata().getName()).isEqualTo("app");
        assertThat(created.getCreatedAt()).isGreaterThan(0);
        assertThat(created.getStartedAt()).isZero();
        assertThat(created.getImage().getUserSpecifiedImage()).isEqualTo(image);
        assertThat(created.getImageId()).startsWith("sha256:");
        assertThat(created.getLogPath()).isEqualTo(dir.resolve("logs/web/app/0.log").toString());

        d.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
        ContainerStatus running = status(d, id);
        assertThat(running.getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
        assertThat(running.getStartedAt()).isGreaterThanOrEqualTo(running.getCreatedAt());

        Path log = Path.of(running.getLogPath());
        String logText = awaitLog(log, t -> t.contains("pwd="));
        assertThat(logText).containsPattern("(?m)^\\S+ stdout F out$").containsPattern("(?m)^\\S+ stderr F err$")
                .contains("stdout P partial").contains("greeting=hello pwd=/home/app");

        // exec runs as the image's user, in its env
        ExecSyncResponse idOut = exec(d, id, 10, "id");
        assertThat(idOut.getExitCode()).isZero();
        assertThat(idOut.getStdout().toStringUtf8()).startsWith("uid=1000(app) gid=1000(app)");
        ExecSyncResponse fail = exec(d, id, 10, "sh", "-c", "echo to-err >&2; exit 5");
        assertThat(fail.getExitCode()).isEqualTo(5);
        assertThat(fail.getStderr().toStringUtf8()).isEqualTo("to-err\n");
        assertThatThrownBy(() -> exec(d, id, 1, "sleep", "30")).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));

        // stats and a live resource update, seen in the container's own cgroup
        ContainerStats stats = d.runtime().containerStats(ContainerStatsRequest.newBuilder().setContainerId(id).build()).getStats();
        assertThat(stats.getAttributes().getId()).isEqualTo(id);
        assertThat(stats.getCpu().getUsageCoreNanoSeconds().getValue()).isPositive();
        assertThat(stats.getMemory().getWorkingSetBytes().getValue()).isPositive();
        assertThat(stats.getWritableLayer().hasUsedBytes()).isTrue();
        PodSandboxStats podStats = d.runtime().podSandboxStats(PodSandboxStatsRequest.newBuilder().setPodSandboxId(pod).build())
                .getStats();
        assertThat(podStats.getAttributes().getMetadata().getName()).isEqualTo("web");
        assertThat(podStats.getLinux().getContainersList()).extracting(c -> c.getAttributes().getId()).containsExactly(id);
        assertThat(podStats.getLinux().getMemory().getWorkingSetBytes().getValue()).isPositive();
        assertThat(d.runtime().listPodSandboxStats(ListPodSandboxStatsRequest.getDefaultInstance()).getStatsList())
                .extracting(p -> p.getAttributes().getId()).containsExactly(pod);
        d.runtime().updateContainerResources(UpdateContainerResourcesRequest.newBuilder().setContainerId(id)
                .setLinux(LinuxContainerResources.newBuilder().setMemoryLimitInBytes(96L << 20)).build());
        assertThat(cgroupFile(d, id, "memory", "memory.limit_in_bytes")).isEqualTo(Long.toString(96L << 20));

        // log rotation: the kubelet renames the file, then asks for a new one
        Path rotated = log.resolveSibling("0.log.1");
        Files.move(log, rotated);
        d.runtime().reopenContainerLog(ReopenContainerLogRequest.newBuilder().setContainerId(id).build());
        assertThat(log).exists();

        // filters
        String other = create(d, pod, "other", image, List.of("sleep", "300"));
        assertThat(list(d, ContainerFilter.getDefaultInstance())).extracting(Container::getId).containsExactly(id, other);
        assertThat(list(d, ContainerFilter.newBuilder().setId(id.substring(0, 12)).build())).extracting(Container::getId)
                .containsExactly(id);
        assertThat(list(d, ContainerFilter.newBuilder().setState(ContainerStateValue.newBuilder()
                .setState(ContainerState.CONTAINER_CREATED)).build())).extracting(Container::getId).containsExactly(other);
        assertThat(list(d, ContainerFilter.newBuilder().putLabelSelector("name", "other").build()))
                .extracting(Container::getId).containsExactly(other);
        assertThat(list(d, ContainerFilter.newBuilder().setPodSandboxId(pod).build())).hasSize(2);

        // stop: sh as pid 1 ignores SIGTERM, so the timeout ends in SIGKILL
        d.runtime().stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(1).build());
        ContainerStatus stopped = status(d, id);
        assertThat(stopped.getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
        assertThat(stopped.getExitCode()).isEqualTo(137);
        assertThat(stopped.getReason()).isEqualTo("Error");
        assertThat(stopped.getFinishedAt()).isGreaterThanOrEqualTo(stopped.getStartedAt());
        d.runtime().stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(1).build()); // idempotent

        d.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
        d.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build()); // idempotent
        assertThat(list(d, ContainerFilter.getDefaultInstance())).extracting(Container::getId).containsExactly(other);
        assertThat(Files.readString(rotated)).contains("stdout F out"); // logs outlive the container

        // removing the pod takes its remaining container with it
        d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
        d.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
        assertThat(list(d, ContainerFilter.getDefaultInstance())).isEmpty();
    }

    @Test
    void exitCodesAndReasons(Daemons.Session s, Registries r) throws Exception {
        Berthd d = start(s, s.config());
        String image = CriFixtures.pushAndPullBusybox(d, r);
        String pod = runPod(d, "jobs");
        String ok = create(d, pod, "ok", image, List.of("sh", "-c", "exit 0"));
        String three = create(d, pod, "three", image, List.of("sh", "-c", "exit 3"));
        String oom = createWith(d, pod, "oom", image, List.of("sh", "-c", "x=$(head -c 200000000 /dev/zero | tr '\\0' a); echo $x"),
                c -> c.setLinux(c.getLinux().toBuilder().setResources(
                        LinuxContainerResources.newBuilder().setMemoryLimitInBytes(24L << 20))));
        for (String id : List.of(ok, three, oom)) {
            d.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
        }
        assertThat(awaitExited(d, ok)).satisfies(st -> {
            assertThat(st.getExitCode()).isZero();
            assertThat(st.getReason()).isEqualTo("Completed");
        });
        assertThat(awaitExited(d, three)).satisfies(st -> {
            assertThat(st.getExitCode()).isEqualTo(3);
            assertThat(st.getReason()).isEqualTo("Error");
        });
        assertThat(awaitExited(d, oom)).satisfies(st -> {
            assertThat(st.getExitCode()).isEqualTo(137);
            assertThat(st.getReason()).isEqualTo("OOMKilled");
        });
    }

    @Test
    void badRequestsAreRefusedNamingWhatIsWrongAndLeaveNothing(Daemons.Session s, Registries r) throws Exception {
        Berthd d = start(s, s.config());
        String image = CriFixtures.pushAndPullBusybox(d, r);
        String pod = runPod(d, "bad");

        expect(() -> create(d, "0123456789abcdef", "x", image, List.of("true")), Status.Code.NOT_FOUND, "sandbox 0123456789abcdef");
        expect(() -> create(d, pod, "x", "127.0.0.1:1/absent:1", List.of("true")), Status.Code.NOT_FOUND,
                "image \"127.0.0.1:1/absent:1\" not found");
        expect(() -> create(d, pod, "", image, List.of("true")), Status.Code.INVALID_ARGUMENT, "config.metadata.name");
        expect(() -> createWith(d, pod, "mnt", image, List.of("true"), c -> c.addMounts(Mount.newBuilder()
                .setContainerPath("/data").setHostPath(dir.resolve("absent").toString()))), Status.Code.INVALID_ARGUMENT,
                dir.resolve("absent") + " does not exist");
        expect(() -> createWith(d, pod, "log", image, List.of("true"), c -> c.setLogPath("../../escape.log")),
                Status.Code.INVALID_ARGUMENT, "log_path");

        expect(() -> createWith(d, pod, "shared-pid", image, List.of("true"), c -> c.setLinux(LinuxContainerConfig.newBuilder()
                .setSecurityContext(LinuxContainerSecurityContext.newBuilder().setNamespaceOptions(
                        NamespaceOption.newBuilder().setPid(NamespaceMode.POD))))), Status.Code.INVALID_ARGUMENT,
                "namespace_options.pid = POD");
        expect(() -> createWith(d, pod, "privileged", image, List.of("true"), c -> c.setLinux(LinuxContainerConfig.newBuilder()
                .setSecurityContext(LinuxContainerSecurityContext.newBuilder().setPrivileged(true)))),
                Status.Code.INVALID_ARGUMENT, "was not created privileged");

        String first = create(d, pod, "dup", image, List.of("sleep", "300"));
        expect(() -> create(d, pod, "dup", image, List.of("sleep", "300")), Status.Code.ALREADY_EXISTS, first);

        // a command the image does not have: runc's own words come back, and nothing stays behind
        // (runc 1.1 finds out at create, others at start)
        expect(() -> {
            String missing = create(d, pod, "missing", image, List.of("/no/such/binary"));
            try {
                d.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(missing).build());
            } finally {
                d.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(missing).build());
            }
        }, null, "/no/such/binary");
        d.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(first).build());
        assertThat(list(d, ContainerFilter.getDefaultInstance())).isEmpty();
        assertThat(mountsUnder(dir.resolve("state/io.berth.runtime.v2.runc"))).isEmpty();
        assertThat(processesMentioning("conmon")).filteredOn(p -> p.contains(dir.toString())).isEmpty();
        expect(() -> d.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(first).build()),
                Status.Code.NOT_FOUND, first);
    }

    @Test
    void containersOutliveADaemonKilledWithSigkill(Daemons.Session s, Registries r) throws Exception {
        TestConfig c = s.config();
        Berthd d = start(s, c);
        String image = CriFixtures.pushAndPullBusybox(d, r);
        String pod = runPod(d, "survivor");
        String ticker = create(d, pod, "ticker", image, List.of("sh", "-c", "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done"));
        String quitter = create(d, pod, "quitter", image, List.of("sh", "-c", "sleep 1; exit 7"));
        d.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(ticker).build());
        d.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(quitter).build());
        Path log = Path.of(status(d, ticker).getLogPath());
        awaitLog(log, t -> t.contains("tick 1"));

        d.process().destroyForcibly().waitFor();
        long linesWhileDown = Files.readAllLines(log).size();
        Thread.sleep(1500); // the quitter exits while no daemon runs
        assertThat(Files.readAllLines(log).size()).as("conmon keeps logging without berthd").isGreaterThan((int) linesWhileDown);

        Berthd again = start(s, c);
        assertThat(status(again, ticker).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
        ContainerStatus q = status(again, quitter);
        assertThat(q.getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
        assertThat(q.getExitCode()).isEqualTo(7);
        assertThat(exec(again, ticker, 10, "echo", "still here").getStdout().toStringUtf8()).isEqualTo("still here\n");
    }

    @Test
    void eventsStreamTheLifecycleAndSecurityContextIsHonoured(Daemons.Session s, Registries r) throws Exception {
        Berthd d = start(s, s.config());
        String image = CriFixtures.pushAndPullBusybox(d, r);
        String pod = runPod(d, "events");
        java.util.concurrent.BlockingQueue<ContainerEventResponse> events = new java.util.concurrent.LinkedBlockingQueue<>();
        io.grpc.Context.CancellableContext listening = io.grpc.Context.current().withCancellation();
        listening.run(() -> RuntimeServiceGrpc.newStub(d.channel().channel()).getContainerEvents(
                GetEventsRequest.getDefaultInstance(), new io.grpc.stub.StreamObserver<>() {
                    public void onNext(ContainerEventResponse e) {
                        events.add(e);
                    }

                    public void onError(Throwable t) {
                    }

                    public void onCompleted() {
                    }
                }));
        try {
            Thread.sleep(300); // the stream is open before the first change
            // read-only root, a uid and extra group from the security context, capabilities dropped
            String id = createWith(d, pod, "locked", image, List.of("sh", "-c", "sleep 300"), c -> c.setLinux(
                    c.getLinux().toBuilder().setSecurityContext(c.getLinux().getSecurityContext().toBuilder()
                            .setReadonlyRootfs(true)
                            .setRunAsUser(Int64Value.newBuilder().setValue(1234))
                            .setRunAsGroup(Int64Value.newBuilder().setValue(2345))
                            .addSupplementalGroups(3456)
                            .setCapabilities(Capability.newBuilder().addDropCapabilities("ALL")))));
            d.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
            ExecSyncResponse write = exec(d, id, 10, "sh", "-c", "echo x > /written");
            assertThat(write.getExitCode()).isNotZero();
            assertThat(write.getStderr().toStringUtf8()).contains("Read-only file system");
            assertThat(exec(d, id, 10, "id").getStdout().toStringUtf8()).startsWith("uid=1234 gid=2345").contains("3456");
            assertThat(exec(d, id, 10, "sh", "-c", "grep CapEff /proc/self/status").getStdout().toStringUtf8())
                    .contains("0000000000000000");
            d.runtime().stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(0).build());
            d.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());

            List<ContainerEventType> seen = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                ContainerEventResponse e = events.poll(10, java.util.concurrent.TimeUnit.SECONDS);
                assertThat(e).as("event %d of 4 (seen %s)", i + 1, seen).isNotNull();
                assertThat(e.getContainerId()).isEqualTo(id);
                seen.add(e.getContainerEventType());
                if (e.getContainerEventType() != ContainerEventType.CONTAINER_DELETED_EVENT) {
                    assertThat(e.getPodSandboxStatus().getId()).isEqualTo(pod);
                    assertThat(e.getContainersStatusesList()).extracting(ContainerStatus::getId).containsExactly(id);
                }
            }
            assertThat(seen).containsExactly(ContainerEventType.CONTAINER_CREATED_EVENT,
                    ContainerEventType.CONTAINER_STARTED_EVENT, ContainerEventType.CONTAINER_STOPPED_EVENT,
                    ContainerEventType.CONTAINER_DELETED_EVENT);
        } finally {
            listening.cancel(null);
        }
    }

    @Test
    void containersOfAPodSharingItsPidNamespaceSeeEachOther(Daemons.Session s, Registries r) throws Exception {
        Berthd d = start(s, s.config());
        String image = CriFixtures.pushAndPullBusybox(d, r);
        String pod = runPod(d, "shared", "", NamespaceMode.POD);
        java.util.function.UnaryOperator<ContainerConfig.Builder> sharedPid = c -> c.setLinux(LinuxContainerConfig.newBuilder()
                .setSecurityContext(LinuxContainerSecurityContext.newBuilder().setNamespaceOptions(
                        NamespaceOption.newBuilder().setNetwork(NamespaceMode.NODE).setPid(NamespaceMode.POD))));
        String a = createWith(d, pod, "a", image, List.of("sleep", "4711"), sharedPid);
        String b = createWith(d, pod, "b", image, List.of("sleep", "4712"), sharedPid);
        d.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(a).build());
        d.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(b).build());
        String seen = exec(d, b, 10, "sh", "-c", "cat /proc/[0-9]*/cmdline | tr '\\0' ' '").getStdout().toStringUtf8();
        assertThat(seen).contains("sleep 4711").contains("sleep 4712");
        // pid 1 of the shared namespace is the pod's infra process, not either container
        assertThat(exec(d, a, 10, "cat", "/proc/1/cmdline").getStdout().toStringUtf8()).doesNotContain("sleep 4711");
    }

    @Test
    void aRuntimeHandlerCanNameItsOwnOciRuntimeBinary(Daemons.Session s, Registries r) throws Exception {
        TestConfig c = s.config();
        Path runc = Stream.of("/usr/sbin/runc", "/usr/bin/runc").map(Path::of).filter(Files::isExecutable).findFirst().orElseThrow();
        Path calls = c.dir().resolve("wrapper.calls");
        Path wrapper = c.dir().resolve("runc-wrapper");
        Files.writeString(wrapper, "#!/bin/sh\necho \"$*\" >> " + calls + "\nexec " + runc + " \"$@\"\n");
        wrapper.toFile().setExecutable(true);
        c.append("[plugins.\"io.berth.grpc.v1.cri\".runtimes.wrapped]\nruntime_path = \"" + wrapper + "\"\n"
                + "[plugins.\"io.berth.grpc.v1.cri\".runtimes.broken]\nruntime_path = \"/nonexistent/crun\"\n");
        Berthd d = start(s, c);
        String image = CriFixtures.pushAndPullBusybox(d, r);

        String pod = runPod(d, "wrapped", "wrapped");
        String id = create(d, pod, "app", image, List.of("sleep", "300"));
        d.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
        assertThat(status(d, id).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
        assertThat(exec(d, id, 10, "echo", "hi").getStdout().toStringUtf8()).isEqualTo("hi\n");
        d.runtime().stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(0).build());
        assertThat(Files.readAllLines(calls)).anyMatch(l -> l.contains("create") && l.contains(id))
                .anyMatch(l -> l.startsWith("--root") && l.contains("start " + id))
                .anyMatch(l -> l.contains("exec") && l.contains(id))
                .anyMatch(l -> l.contains("kill") && l.contains(id));

        String other = runPod(d, "broken", "broken");
        expect(() -> create(d, other, "app", image, List.of("sleep", "300")), Status.Code.INVALID_ARGUMENT, "/nonexistent/crun");
    }

    // ------------------------------------------------------------------ cleanup

    @AfterEach
    void cleanUp() throws Exception {
        CriPods.cleanUp(daemons, dir, cgroupParent);
    }

    // ------------------------------------------------------------------ helpers

    private Berthd start(Daemons.Session s, TestConfig c) throws Exception {
        dir = c.dir();
        Berthd d = s.start(c);
        daemons.add(d);
        return d;
    }


    private String runPod(Berthd d, String name) {
        return runPod(d, name, "");
    }

    private String runPod(Berthd d, String name, String handler) {
        return runPod(d, name, handler, NamespaceMode.CONTAINER);
    }

    private String runPod(Berthd d, String name, String handler, NamespaceMode pid) {
        return CriPods.runPod(d, dir, cgroupParent, name, NamespaceMode.NODE, pid, handler);
    }

    private static String create(Berthd d, String pod, String name, String image, List<String> command) {
        return createWith(d, pod, name, image, command, c -> c);
    }

    /** Creates a container (not started) on the node's network, with an env var and a label {@code name}. */
    private static String createWith(Berthd d, String pod, String name, String image, List<String> command,
                                     java.util.function.UnaryOperator<ContainerConfig.Builder> more) {
        return CriPods.create(d, pod, name, image, command, NamespaceMode.NODE, c -> more.apply(c
                .addEnvs(KeyValue.newBuilder().setKey("BERTH_TEST").setValue(com.google.protobuf.ByteString.copyFromUtf8("1")))
                .putLabels("name", name)));
    }

    private static List<Container> list(Berthd d, ContainerFilter f) {
        return d.runtime().listContainers(ListContainersRequest.newBuilder().setFilter(f).build()).getContainersList();
    }

    private static ExecSyncResponse exec(Berthd d, String id, long timeout, String... cmd) {
        return d.runtime().execSync(ExecSyncRequest.newBuilder().setContainerId(id).addAllCmd(List.of(cmd))
                .setTimeout(timeout).build());
    }

    private static String awaitLog(Path log, Predicate<String> done) throws Exception {
        String text = "";
        for (int i = 0; i < 200; i++) {
            text = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
            if (done.test(text)) {
                return text;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("log " + log + " did not get there within 10 s:\n" + text);
    }

    /** A file of the container's cgroup in {@code controller}, found from its init process. */
    private static String cgroupFile(Berthd d, String id, String controller, String file) throws IOException {
        String info = d.runtime().containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id).setVerbose(true).build())
                .getInfoMap().get("info");
        long pid = JsonParser.parseString(info).getAsJsonObject().get("pid").getAsLong();
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/cgroup"))) {
            String[] f = line.split(":", 3);
            if (List.of(f[1].split(",")).contains(controller)) {
                return Files.readString(Path.of("/sys/fs/cgroup", controller, f[2], file)).strip();
            }
        }
        throw new AssertionError("no " + controller + " cgroup for pid " + pid);
    }

    private static void expect(ThrowingRunnable call, Status.Code code, String inMessage) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            if (code != null) {
                assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(code);
            }
            assertThat(e.getStatus().getDescription()).contains(inMessage);
        });
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }
}
