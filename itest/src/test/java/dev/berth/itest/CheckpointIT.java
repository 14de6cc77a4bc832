package dev.berth.itest;

import static dev.berth.itest.PodSandboxIT.sh;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.abort;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.berth.api.cri.v1.CheckpointContainerRequest;
import dev.berth.api.cri.v1.ContainerConfig;
import dev.berth.api.cri.v1.ContainerState;
import dev.berth.api.cri.v1.ExecSyncRequest;
import dev.berth.api.cri.v1.ExecSyncResponse;
import dev.berth.api.cri.v1.Int64Value;
import dev.berth.api.cri.v1.NamespaceMode;
import dev.berth.itest.registry.Registries;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * CheckpointContainer through the CRI of a real berthd, runc, conmon and the host's CRIU: a busybox counter in a pod
 * with its own network namespace is checkpointed while it runs. Where CRIU works, the archive must hold the process
 * tree and the container's file changes; where it cannot (its {@code criu check} fails, as on kernels newer than the
 * installed CRIU knows), the call must fail with FAILED_PRECONDITION carrying CRIU's own reason and leave nothing
 * behind, and the test then reports itself skipped with that reason. A second test replaces only CRIU's dump with a
 * stand-in, so the archive around it, the timeout and a failed dump are checked on any host; a third checks bad
 * requests. Either way the counter keeps counting.
 */
@ExtendWith({Daemons.class, Registries.Extension.class})
class CheckpointIT {
    private static final String RUNC = "io.berth.runtime.v2.runc";
    /** As root: deletes a file of the image, then counts into a file of its own, five times a second. */
    private static final List<String> COUNTER = List.of("sh", "-c", "busybox rm /hello.txt; i=0; while true; do"
            + " i=$((i+1)); echo $i > /tmp/counter.txt; sleep 0.2; done");

    private final List<Berthd> daemons = new ArrayList<>();
    private final String cgroupParent = "/berth-it-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    private Path dir;

    @BeforeAll
    static void requireRootRuncConmon() {
        CriPods.assumeRootRuncConmonLoopbackCni();
    }

    // ------------------------------------------------------------------ tests

    @Test
    void aRunningCounterIsCheckpointedOrCriusReasonIsReported(Daemons.Session s, Registries r) throws Exception {
        Berthd d = start(s);
        String counter = startCounter(d, r);
        Path location = Files.createDirectories(dir.resolve("checkpoints")).resolve("counter.tar");

        String failure = null;
        try {
            checkpoint(d, counter, location.toString(), 60);
        } catch (StatusRuntimeException e) {
            failure = assertCriuCannotWorkHere(e);
        }
        assertStillCounting(d, counter);
        assertThat(list(checkpointWork())).as("work dirs left").isEmpty();
        if (failure != null) {
            assertThat(list(location.getParent())).as("nothing may be left beside the location").isEmpty();
            abort("CRIU cannot checkpoint on this host, as berthd reported: " + failure);
        }

        Map<String, byte[]> files = new LinkedHashMap<>();
        Map<String, TarArchiveEntry> archive = entries(Files.newInputStream(location), files);
        assertThat(archive.keySet()).contains("checkpoint/", "checkpoint/pstree.img", "checkpoint/inventory.img",
                "spec.dump", "config.dump", "rootfs-diff.tar", "deleted.files", "dump.log");
        assertThat(archive.keySet()).anyMatch(n -> n.matches("checkpoint/core-\\d+\\.img"));
        JsonObject spec = JsonParser.parseString(text(files, "spec.dump")).getAsJsonObject();
        assertThat(spec.getAsJsonObject("process").getAsJsonArray("args").toString()).contains("counter.txt");
        JsonObject config = JsonParser.parseString(text(files, "config.dump")).getAsJsonObject();
        assertThat(config.get("id").getAsString()).isEqualTo(counter);
        assertThat(config.get("name").getAsString()).isEqualTo("counter");
        assertThat(text(files, "deleted.files")).contains("\"/hello.txt\"");
        Map<String, byte[]> changed = new LinkedHashMap<>();
        assertThat(entries(new ByteArrayInputStream(files.get("rootfs-diff.tar")), changed)).containsKey("tmp/counter.txt");
        assertThat(text(changed, "tmp/counter.txt")).matches("\\d+\n");
        assertThat(list(location.getParent())).containsExactly("counter.tar");
    }

    /**
     * Everything but CRIU for real: a stand-in CRIU that passes {@code criu check}, and a runtime handler whose runc
     * fakes only the dump (writes two image files and a log); the rest — the runc command line, the spec, the changes
     * in the container's real overlay layer, config.dump, the timeout and the clean-up after a failed dump — is
     * berthd's own work, checked here where the real CRIU cannot run.
     */
    @Test
    void aStandInDumpIsPackedWithTheContainersRealSpecAndChanges(Daemons.Session s, Registries r) throws Exception {
        TestConfig c = CriPods.loopbackNetwork(s.config());
        Path criu = script(c.dir().resolve("criu"), "[ \"$1\" = check ] && { echo 'Looks good.'; exit 0; }\nexit 1\n");
        Path mode = c.dir().resolve("standin-mode");
        Path runc = script(c.dir().resolve("runc-standin"), standInRunc(mode));
        c.append("[plugins.\"" + RUNC + "\"]\ncriu_path = \"" + criu + "\"\n"
                + "[plugins.\"io.berth.grpc.v1.cri\".runtimes.standin]\nruntime_path = \"" + runc + "\"\n");
        Berthd d = start(s, c);
        String counter = startCounter(d, r, "standin");
        Path out = Files.createDirectories(dir.resolve("checkpoints"));
        Path location = out.resolve("counter.tar");

        checkpoint(d, counter, location.toString(), 0);

        Map<String, byte[]> files = new LinkedHashMap<>();
        assertThat(entries(Files.newInputStream(location), files).keySet()).containsExactly("checkpoint/",
                "checkpoint/inventory.img", "checkpoint/pstree.img", "spec.dump", "config.dump", "rootfs-diff.tar",
                "deleted.files", "dump.log");
        assertThat(text(files, "checkpoint/pstree.img")).isEqualTo("stand-in\n");
        assertThat(text(files, "dump.log")).contains("checkpoint --image-path " + dir.resolve("root").resolve(RUNC)
                .resolve("checkpoints"), "--leave-running " + counter);
        JsonObject spec = JsonParser.parseString(text(files, "spec.dump")).getAsJsonObject();
        assertThat(spec.getAsJsonObject("process").getAsJsonArray("args").toString()).contains("counter.txt");
        JsonObject config = JsonParser.parseString(text(files, "config.dump")).getAsJsonObject();
        assertThat(config.get("id").getAsString()).isEqualTo(counter);
        assertThat(config.get("name").getAsString()).isEqualTo("counter");
        assertThat(config.get("runtime").getAsString()).isEqualTo("runc-standin");
        assertThat(config.get("rootfsImageName").getAsString()).isEqualTo(image);
        // the image's /hello.txt, deleted by the container: an overlay whiteout in its writable layer
        assertThat(text(files, "deleted.files")).isEqualTo("[\"/hello.txt\"]");
        Map<String, byte[]> changed = new LinkedHashMap<>();
        assertThat(entries(new ByteArrayInputStream(files.get("rootfs-diff.tar")), changed).keySet())
                .contains("tmp/", "tmp/counter.txt")
                .as("the runtime's mount points are no changes").doesNotContain("etc/hosts", "etc/hostname",
                        "etc/resolv.conf", "proc/", "sys/", "dev/", "hello.txt");
        assertThat(text(changed, "tmp/counter.txt")).matches("\\d+\n");
        assertStillCounting(d, counter);

        Files.writeString(mode, "slow");
        expect(() -> checkpoint(d, counter, out.resolve("slow.tar").toString(), 1), Status.Code.DEADLINE_EXCEEDED,
                "did not finish within its timeout of 1 s");
        Files.writeString(mode, "fail");
        expect(() -> checkpoint(d, counter, out.resolve("failed.tar").toString(), 0), Status.Code.INTERNAL,
                "CRIU could not checkpoint container " + counter, "criu failed: type NOTIFY errno 0",
                "Error (criu/cr-dump.c:2099): Dumping FAILED.");
        assertThat(list(out)).containsExactly("counter.tar");
        assertThat(list(checkpointWork())).isEmpty();
        assertStillCounting(d, counter);
    }

    @Test
    void badRequestsNameTheirFieldAndLeaveTheContainerAlone(Daemons.Session s, Registries r) throws Exception {
        Berthd d = start(s);
        String counter = startCounter(d, r);
        Path out = Files.createDirectories(dir.resolve("checkpoints"));
        String ok = out.resolve("c.tar").toString();

        expect(() -> checkpoint(d, counter, "", 0), Status.Code.INVALID_ARGUMENT, "location is required");
        expect(() -> checkpoint(d, counter, "c.tar", 0), Status.Code.INVALID_ARGUMENT,
                "location \"c.tar\" must be an absolute path");
        expect(() -> checkpoint(d, counter, out.resolve("missing/c.tar").toString(), 0), Status.Code.INVALID_ARGUMENT,
                "location", "directory " + out.resolve("missing") + " does not exist");
        expect(() -> checkpoint(d, counter, out.toString(), 0), Status.Code.INVALID_ARGUMENT, "location",
                "is a directory");
        expect(() -> checkpoint(d, counter, ok, -1), Status.Code.INVALID_ARGUMENT, "timeout must not be negative");
        expect(() -> checkpoint(d, "", ok, 0), Status.Code.INVALID_ARGUMENT, "container_id is required");
        expect(() -> checkpoint(d, "0123456789abcdef", ok, 0), Status.Code.NOT_FOUND,
                "container 0123456789abcdef not found");

        String pod = CriPods.runPod(d, dir, cgroupParent, "other", NamespaceMode.POD, NamespaceMode.CONTAINER);
        String created = CriPods.create(d, pod, "created", image, List.of("sleep", "300"), NamespaceMode.POD,
                UnaryOperator.identity());
        expect(() -> checkpoint(d, created, ok, 0), Status.Code.FAILED_PRECONDITION, "cannot checkpoint container "
                + created, "it is created, not running");
        String exited = CriPods.createAndStart(d, pod, "exited", image, List.of("true"), NamespaceMode.POD,
                UnaryOperator.identity());
        CriPods.awaitExited(d, exited);
        expect(() -> checkpoint(d, exited, ok, 0), Status.Code.FAILED_PRECONDITION, "it is exited, not running");

        assertThat(list(out)).isEmpty();
        assertThat(list(checkpointWork())).isEmpty();
        assertStillCounting(d, counter);
    }

    // ------------------------------------------------------------------ cleanup

    @AfterEach
    void cleanUp() throws Exception {
        CriPods.cleanUp(daemons, dir, cgroupParent);
    }

    // ------------------------------------------------------------------ helpers

    private String image;

    private Berthd start(Daemons.Session s) throws Exception {
        return start(s, CriPods.loopbackNetwork(s.config()));
    }

    private Berthd start(Daemons.Session s, TestConfig c) throws Exception {
        dir = c.dir();
        Berthd d = s.start(c);
        daemons.add(d);
        return d;
    }

    private String startCounter(Berthd d, Registries r) throws Exception {
        return startCounter(d, r, "");
    }

    /** The counter as root in a pod of its own with runtime {@code handler}, once it has counted. */
    private String startCounter(Berthd d, Registries r, String handler) throws Exception {
        image = CriFixtures.pushAndPullBusybox(d, r);
        String pod = CriPods.runPod(d, dir, cgroupParent, "counters", NamespaceMode.POD, NamespaceMode.CONTAINER,
                handler);
        UnaryOperator<ContainerConfig.Builder> asRoot = c -> {
            c.getLinuxBuilder().getSecurityContextBuilder().setRunAsUser(Int64Value.newBuilder().setValue(0));
            return c;
        };
        String id = CriPods.createAndStart(d, pod, "counter", image, COUNTER, NamespaceMode.POD, asRoot);
        count(d, id);
        return id;
    }

    /**
     * The checkpoint failed where CRIU cannot work: FAILED_PRECONDITION, naming CRIU and its reason as the host's own
     * {@code criu check} gives it.
     *
     * @return the error's description
     */
    private static String assertCriuCannotWorkHere(StatusRuntimeException e) throws Exception {
        String why = e.getStatus().getDescription();
        assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        PodSandboxIT.Sh which = sh("sh", "-c", "PATH=$PATH:/usr/sbin:/sbin command -v criu");
        if (which.code() != 0) {
            assertThat(why).contains("CRIU is not installed");
            return why;
        }
        PodSandboxIT.Sh check = sh(which.out().strip(), "check");
        assertThat(check.code()).as("berthd says CRIU cannot work, but criu check passes: " + why).isNotZero();
        assertThat(why).contains("cannot checkpoint: CRIU cannot work on this host", "criu check` failed");
        List<String> reasons = check.out().lines().filter(l -> l.startsWith("Error")).toList();
        assertThat(reasons).as("criu check's errors").isNotEmpty();
        assertThat(why).contains(reasons);
        return why;
    }

    /**
     * runc, but {@code checkpoint} writes stand-in images and a log with its own command line; per the word in
     * {@code mode}, it then succeeds, sleeps past any test timeout ("slow") or fails as runc does when CRIU does ("fail").
     */
    private static String standInRunc(Path mode) {
        String runc = Stream.of("/usr/sbin/runc", "/usr/bin/runc").filter(p -> Files.isExecutable(Path.of(p)))
                .findFirst().orElseThrow();
        return "if [ \"$3\" = checkpoint ]; then\n"
                + "  prev=; for a in \"$@\"; do case \"$prev\" in --image-path) images=$a;; --work-path) work=$a;; esac;"
                + " prev=$a; done\n"
                + "  echo \"stand-in dump: $*\" > \"$work/dump.log\"\n"
                + "  mkdir -p \"$images\" && echo stand-in > \"$images/pstree.img\" && echo stand-in > \"$images/inventory.img\"\n"
                + "  case \"$(cat " + mode + " 2>/dev/null)\" in\n"
                + "    slow) sleep 60;;\n"
                + "    fail) echo 'Error (criu/cr-dump.c:2099): Dumping FAILED.' >> \"$work/dump.log\";"
                + " echo 'criu failed: type NOTIFY errno 0' >&2; exit 1;;\n"
                + "  esac\n"
                + "  exit 0\n"
                + "fi\n"
                + "exec " + runc + " \"$@\"\n";
    }

    private static Path script(Path p, String body) throws IOException {
        Files.writeString(p, "#!/bin/sh\n" + body);
        p.toFile().setExecutable(true);
        return p;
    }

    private static void checkpoint(Berthd d, String id, String location, long timeout) {
        d.runtime().checkpointContainer(CheckpointContainerRequest.newBuilder().setContainerId(id)
                .setLocation(location).setTimeout(timeout).build());
    }

    /** The counter still runs and counts on. */
    private static void assertStillCounting(Berthd d, String id) throws Exception {
        assertThat(CriPods.status(d, id).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
        long before = count(d, id);
        for (int i = 0; i < 50; i++) {
            if (count(d, id) > before) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the counter stopped at " + before);
    }

    /** The counter's value, once it has one (at most 10 s). */
    private static long count(Berthd d, String id) throws Exception {
        for (int i = 0; i < 100; i++) {
            ExecSyncResponse r = d.runtime().execSync(ExecSyncRequest.newBuilder().setContainerId(id)
                    .addAllCmd(List.of("cat", "/tmp/counter.txt")).setTimeout(10).build());
            String out = r.getStdout().toStringUtf8().strip();
            if (r.getExitCode() == 0 && out.matches("\\d+")) {
                return Long.parseLong(out);
            }
            Thread.sleep(100);
        }
        throw new AssertionError("container " + id + " never counted");
    }

    private Path checkpointWork() {
        return dir.resolve("root").resolve(RUNC).resolve("checkpoints");
    }

    private static List<String> list(Path p) throws IOException {
        if (!Files.isDirectory(p)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(p)) {
            return s.map(x -> x.getFileName().toString()).sorted().toList();
        }
    }

    private static void expect(Runnable call, Status.Code code, String... inMessage) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(code);
            assertThat(e.getStatus().getDescription()).contains(inMessage);
        });
    }

    private static Map<String, TarArchiveEntry> entries(InputStream in, Map<String, byte[]> contents) throws IOException {
        Map<String, TarArchiveEntry> out = new LinkedHashMap<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                out.put(e.getName(), e);
                if (e.isFile()) {
                    contents.put(e.getName(), tar.readAllBytes());
                }
            }
        }
        return out;
    }

    private static String text(Map<String, byte[]> files, String name) {
        assertThat(files).containsKey(name);
        return new String(files.get(name), StandardCharsets.UTF_8);
    }
}
