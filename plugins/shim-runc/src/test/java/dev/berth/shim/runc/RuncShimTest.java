package dev.berth.shim.runc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.process.ProcessRunner;
import dev.berth.core.runtime.ContainerMount;
import dev.berth.core.runtime.ContainerSpec;
import dev.berth.core.runtime.ContainerState;
import dev.berth.core.runtime.ContainerStats;
import dev.berth.core.runtime.ContainerStatus;
import dev.berth.core.runtime.ExecResult;
import dev.berth.core.runtime.Resources;
import dev.berth.core.runtime.RuntimeEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * End to end against the real runc and conmon of the host, with a busybox root filesystem. Needs root; skipped
 * otherwise. Every test leaves no mount, process, runc state or cgroup behind.
 */
class RuncShimTest extends RuncShimFixture {
    // ------------------------------------------------------------------ tests

    @Test
    void logsExitCodeAndEvents() throws Exception {
        RuncShim shim = newShim();
        List<RuntimeEvent> events = new CopyOnWriteArrayList<>();
        shim.subscribe(events::add);
        Path log = logs.resolve("c1.log");
        shim.create(spec("c1", List.of("sh", "-c", "echo out; echo err >&2; printf partial; sleep 0.2; exit 3"),
                log, Resources.none()));
        assertThat(shim.status("c1").state()).isEqualTo(ContainerState.CREATED);
        assertThat(shim.start("c1").state()).isIn(ContainerState.RUNNING, ContainerState.EXITED);
        ContainerStatus st = awaitExited(shim, "c1");
        assertThat(st.exitCode()).isEqualTo(3);
        assertThat(st.reason()).isEqualTo(ContainerStatus.REASON_ERROR);
        assertThat(st.finishedAt()).isAfterOrEqualTo(st.startedAt());
        List<String> lines = Files.readAllLines(log);
        String ts = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d+[+-Z].* ";
        assertThat(lines).anyMatch(l -> l.matches(ts + "stdout F out"))
                .anyMatch(l -> l.matches(ts + "stderr F err"))
                .anyMatch(l -> l.matches(ts + "stdout P partial"));
        await(() -> events.stream().anyMatch(e -> e.type() == RuntimeEvent.Type.STOPPED), Duration.ofSeconds(5));
        shim.delete("c1");
        shim.delete("c1");
        await(() -> events.size() >= 4, Duration.ofSeconds(5));
        assertThat(events).extracting(RuntimeEvent::type).containsExactly(RuntimeEvent.Type.CREATED,
                RuntimeEvent.Type.STARTED, RuntimeEvent.Type.STOPPED, RuntimeEvent.Type.DELETED);
        assertThat(log).exists();
        assertThatThrownBy(() -> shim.status("c1")).extracting(e -> ((BerthException) e).kind())
                .isEqualTo(ErrorKind.NOT_FOUND);
        assertNothingLeft();
    }

    @Test
    void stopWithSignalThenKillAfterTimeout() throws Exception {
        RuncShim shim = newShim();
        // sleep as pid 1 has no handler for SIGTERM, so the kernel ignores it: only SIGKILL ends it
        startRunning(shim, "stubborn", List.of("sleep", "1000"), Resources.none());
        long t0 = System.nanoTime();
        ContainerStatus st = shim.stop("stubborn", "SIGTERM", Duration.ofSeconds(1));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(st.state()).isEqualTo(ContainerState.EXITED);
        assertThat(st.exitCode()).isEqualTo(137);
        assertThat(ms).isBetween(900L, 2500L);
        assertThat(shim.stop("stubborn", "", Duration.ofSeconds(1))).isEqualTo(st);

        startRunning(shim, "polite", List.of("sh", "-c", "trap 'exit 143' TERM; sleep 1000 & wait"), Resources.none());
        t0 = System.nanoTime();
        st = shim.stop("polite", "TERM", Duration.ofSeconds(10));
        assertThat(st.exitCode()).isEqualTo(143);
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(3000);
        assertThatThrownBy(() -> shim.stop("polite", "SIGBOGUS", Duration.ZERO))
                .extracting(e -> ((BerthException) e).kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
        assertThatThrownBy(() -> shim.stop("nope", "", Duration.ZERO))
                .extracting(e -> ((BerthException) e).kind()).isEqualTo(ErrorKind.NOT_FOUND);
    }

    @Test
    void execSync() throws Exception {
        RuncShim shim = newShim();
        startRunning(shim, "ex", List.of("sleep", "1000"), Resources.none());
        ExecResult r = shim.execSync("ex", List.of("echo", "hello"), Duration.ofSeconds(10), 1024);
        assertThat(new String(r.stdout(), StandardCharsets.UTF_8)).isEqualTo("hello\n");
        assertThat(r.exitCode()).isZero();
        assertThat(r.truncated()).isFalse();

        r = shim.execSync("ex", List.of("sh", "-c", "echo oops >&2; exit 7"), Duration.ofSeconds(10), 1024);
        assertThat(r.exitCode()).isEqualTo(7);
        assertThat(new String(r.stderr(), StandardCharsets.UTF_8)).isEqualTo("oops\n");

        r = shim.execSync("ex", List.of("head", "-c", "300000", "/dev/zero"), Duration.ofSeconds(10), 1000);
        assertThat(r.stdout()).hasSize(1000);
        assertThat(r.truncated()).isTrue();
        assertThat(r.exitCode()).isZero();

        long t0 = System.nanoTime();
        assertThatThrownBy(() -> shim.execSync("ex", List.of("sleep", "30"), Duration.ofMillis(500), 1024))
                .extracting(e -> ((BerthException) e).kind()).isEqualTo(ErrorKind.DEADLINE_EXCEEDED);
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(3000);
        ExecResult ps = shim.execSync("ex", List.of("ps"), Duration.ofSeconds(10), 65536);
        assertThat(new String(ps.stdout(), StandardCharsets.UTF_8)).doesNotContain("sleep 30");

        shim.stop("ex", "KILL", Duration.ZERO);
        assertThatThrownBy(() -> shim.execSync("ex", List.of("echo"), Duration.ofSeconds(1), 10))
                .extracting(e -> ((BerthException) e).kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION);
    }

    @Test
    void updateAndStats() throws Exception {
        RuncShim shim = newShim();
        ContainerStatus st = startRunning(shim, "busy",
                List.of("sh", "-c", "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; x=$(head -c 2000000 /dev/zero | tr '\\0' a); sleep 1000"),
                Resources.none());
        Thread.sleep(700);
        ContainerStats stats = shim.stats("busy");
        assertThat(stats.cpuUsageNanos()).isPositive();
        assertThat(stats.memoryUsageBytes()).isPositive();
        assertThat(stats.memoryWorkingSet()).isPositive();
        assertThat(stats.writableLayerBytes()).isEqualTo(-1);

        long limit = 96L << 20;
        shim.update("busy", new Resources(0, 0, 0, limit, 0, "", "", null, null, 0));
        Path memDir = memoryCgroupOf(st.pid());
        assertThat(Files.readString(memDir.resolve("memory.limit_in_bytes")).strip()).isEqualTo(Long.toString(limit));

        shim.stop("busy", "KILL", Duration.ZERO);
        assertThat(shim.stats("busy").cpuUsageNanos()).isZero();
        assertThatThrownBy(() -> shim.update("busy", Resources.none()))
                .extracting(e -> ((BerthException) e).kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION);
    }

    @Test
    void oomKilled() throws Exception {
        RuncShim shim = newShim();
        Resources small = new Resources(0, 0, 0, 16L << 20, 0, "", "", null, null, 0);
        shim.create(spec("oom", List.of("sh", "-c", "x=$(head -c 100000000 /dev/zero | tr '\\0' a); echo survived"),
                logs.resolve("oom.log"), small));
        shim.start("oom");
        ContainerStatus st = awaitExited(shim, "oom");
        assertThat(st.reason()).isEqualTo(ContainerStatus.REASON_OOM_KILLED);
        assertThat(st.exitCode()).isNotZero();
    }

    @Test
    void reopenLogAfterRotation() throws Exception {
        RuncShim shim = newShim();
        Path log = logs.resolve("tick.log");
        shim.create(spec("tick", List.of("sh", "-c", "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.1; done"),
                log, Resources.none()));
        shim.start("tick");
        await(() -> size(log) > 0, Duration.ofSeconds(5));
        Path rotated = logs.resolve("tick.log.1");
        Files.move(log, rotated);
        shim.reopenLog("tick");
        assertThat(log).as("the new file is there when the call returns").exists();
        await(() -> size(log) > 0, Duration.ofSeconds(5));
        assertThat(Files.readString(log)).contains("stdout F tick");
    }

    @Test
    void failedCreateLeavesNothing() throws Exception {
        RuncShim shim = newShim();
        assertThatThrownBy(() -> shim.create(spec("bad", List.of("/nonexistent"), logs.resolve("bad.log"),
                Resources.none())))
                .isInstanceOf(BerthException.class)
                .hasMessageContaining("/nonexistent")
                .satisfies(e -> System.out.println("create error: " + e.getMessage()));
        assertThat(shim.list()).isEmpty();
        assertNothingLeft();
        try (Stream<Path> recs = Files.list(root.resolve("containers"))) {
            assertThat(recs).isEmpty();
        }
        // and the id is free again
        startRunning(shim, "bad", List.of("sleep", "1000"), Resources.none());
    }

    @Test
    void recursiveReadOnlyNeedsARuntimeThatSupportsIt() throws Exception {
        RuncShim shim = newShim();
        assertThat(shim.features("").recursiveReadOnlyMounts()).as("this host's runc (features lists rro)")
                .isEqualTo(new ProcessRunner().run(List.of(runcPath.toString(), "features"), Map.of(), null,
                        Duration.ofSeconds(10)).stdout().contains("\"rro\""));
        // a runtime from before `features` (runc 1.0): runs containers, but cannot be asked
        Path old = tmp.resolve("old-runc");
        Files.writeString(old, "#!/bin/sh\n[ \"$1\" = features ] && exit 1\nexec " + runcPath + " \"$@\"\n");
        old.toFile().setExecutable(true);
        Path data = Files.createDirectories(tmp.resolve("data"));
        ContainerSpec base = spec("rro", List.of("sleep", "1000"), logs.resolve("rro.log"), Resources.none());
        ContainerSpec spec = new ContainerSpec(base.id(), base.name(), base.pod(), base.rootfs(), base.image(),
                base.command(), base.args(), base.env(), base.workingDir(), false, false, false, base.logPath(),
                List.of(new ContainerMount("/data", data.toString(), true, null, true)), List.of(), base.resources(),
                base.security(), Map.of(), Map.of(), old.toString());
        assertThatThrownBy(() -> shim.create(spec)).isInstanceOf(BerthException.class)
                .hasMessageContaining("mounts[0].recursive_read_only")
                .hasMessageContaining("does not support recursive read-only mounts")
                .extracting(e -> ((BerthException) e).kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
        assertThat(shim.features(old.toString()).recursiveReadOnlyMounts()).isFalse();
        assertThat(shim.list()).isEmpty();
        assertNothingLeft();
    }

    @Test
    void duplicateIdAndBadIds() throws Exception {
        RuncShim shim = newShim();
        shim.create(spec("dup", List.of("sleep", "1000"), logs.resolve("dup.log"), Resources.none()));
        assertThatThrownBy(() -> shim.create(spec("dup", List.of("sleep", "1"), logs.resolve("x.log"),
                Resources.none()))).extracting(e -> ((BerthException) e).kind()).isEqualTo(ErrorKind.ALREADY_EXISTS);
        assertThat(shim.status("dup").state()).isEqualTo(ContainerState.CREATED);
        assertThatThrownBy(() -> shim.create(spec("../x", List.of("sleep", "1"), logs.resolve("y.log"),
                Resources.none()))).extracting(e -> ((BerthException) e).kind())
                .isEqualTo(ErrorKind.INVALID_ARGUMENT);
        shim.delete("dup");
        assertNothingLeft();
    }

    @Test
    void survivesShimRestart() throws Exception {
        RuncShim first = newShim();
        Path log = logs.resolve("keep.log");
        ContainerStatus keep = startRunning(first, "keep",
                List.of("sh", "-c", "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.1; done"),
                Resources.none());
        startRunning(first, "quit", List.of("sh", "-c", "sleep 1; exit 5"), Resources.none());
        first.create(spec("fresh", List.of("sleep", "1000"), logs.resolve("fresh.log"), Resources.none()));
        first.close();
        shims.remove(first);
        Thread.sleep(1800);

        RuncShim second = newShim();
        List<RuntimeEvent> events = new CopyOnWriteArrayList<>();
        second.subscribe(events::add);
        ContainerStatus k = second.status("keep");
        assertThat(k.state()).isEqualTo(ContainerState.RUNNING);
        assertThat(k.pid()).isEqualTo(keep.pid());
        long before = size(log);
        await(() -> size(log) > before, Duration.ofSeconds(5));
        ContainerStatus q = second.status("quit");
        assertThat(q.state()).isEqualTo(ContainerState.EXITED);
        assertThat(q.exitCode()).isEqualTo(5);
        assertThat(second.status("fresh").state()).isEqualTo(ContainerState.CREATED);
        await(() -> events.stream().anyMatch(e -> e.containerId().equals("quit")
                && e.type() == RuntimeEvent.Type.STOPPED), Duration.ofSeconds(5));
        assertThat(second.list()).extracting(ContainerStatus::id).containsExactly("keep", "quit", "fresh");
        second.start("fresh");
        assertThat(second.stop("keep", "KILL", Duration.ZERO).exitCode()).isEqualTo(137);
    }

    @Test
    void aStartTheDaemonDidNotLiveToRecordIsFoundAtRestart() throws Exception {
        RuncShim first = newShim();
        first.create(spec("half", List.of("sleep", "1000"), logs.resolve("half.log"), Resources.none()));
        first.close();
        shims.remove(first);
        // what a daemon killed right after `runc start` leaves: runc started it, the record still says created
        ProcessRunner.Result started = new ProcessRunner().run(List.of(runcPath.toString(), "--root",
                state.resolve(RuncShim.RUNC_DIR).toString(), "start", "half"), Map.of(), null, Duration.ofSeconds(20));
        assertThat(started.ok()).as(started.message()).isTrue();

        RuncShim second = newShim();
        ContainerStatus st = second.status("half");
        assertThat(st.state()).isEqualTo(ContainerState.RUNNING);
        assertThat(st.startedAt()).isNotNull();
        // a retried StartContainer must not kill it: it is refused, and the container keeps running
        assertThatThrownBy(() -> second.start("half")).hasMessageContaining("RUNNING");
        assertThat(second.status("half").state()).isEqualTo(ContainerState.RUNNING);
        second.delete("half");
        assertNothingLeft();
    }

    @Test
    void lostMonitorIsReportedAsExited() throws Exception {
        RuncShim shim = newShim();
        startRunning(shim, "orphan", List.of("sleep", "1000"), Resources.none());
        long conmon = ProcFs.readPid(state.resolve("orphan").resolve("conmon.pid")).orElseThrow();
        ProcessHandle.of(conmon).orElseThrow().destroyForcibly();
        await(() -> shim.status("orphan").state() == ContainerState.EXITED, Duration.ofSeconds(5));
        ContainerStatus st = shim.status("orphan");
        assertThat(st.exitCode()).isEqualTo(255);
        assertThat(st.reason()).isEqualTo(ContainerStatus.REASON_ERROR);
        assertThat(st.message()).contains("conmon");
        shim.delete("orphan");
        assertNothingLeft();
    }

    @Test
    void createStartLatency() throws Exception {
        RuncShim shim = newShim();
        int n = 20;
        long total = 0;
        long worst = 0;
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            shim.create(spec("lat" + i, List.of("sleep", "1000"), logs.resolve("lat" + i + ".log"), Resources.none()));
            shim.start("lat" + i);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            total += ms;
            worst = Math.max(worst, ms);
        }
        System.out.printf("create+start over %d containers: mean %d ms, max %d ms%n", n, total / n, worst);
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            shim.delete("lat" + i);
        }
        System.out.printf("delete (running) mean %d ms%n", (System.nanoTime() - t0) / 1_000_000 / n);
        assertNothingLeft();
    }

    // ------------------------------------------------------------------ helpers

    private static Path memoryCgroupOf(long pid) throws IOException {
        String path = CgroupStats.parseProcCgroup(Files.readString(Path.of("/proc/" + pid + "/cgroup")))
                .get("memory");
        return CGROUP_ROOT.resolve("memory").resolve(path.substring(1));
    }
}
