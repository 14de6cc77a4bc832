package dev.berth.bench;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import dev.berth.api.cri.v1.ExecRequest;
import dev.berth.api.cri.v1.ExecSyncRequest;
import dev.berth.api.cri.v1.ExecSyncResponse;
import dev.berth.api.cri.v1.RuntimeServiceGrpc;
import dev.berth.itest.RawWebSocket;
import dev.berth.itest.registry.LocalRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Exec on berthd and the peer, in one running container ({@code sleep 3600}, the itest busybox from a local
 * registry) of a host-network pod per daemon: (1) the latency of N ExecSync calls of {@code true} one after another;
 * (2) the throughput of a CRI Exec streaming {@value #STREAM_BYTES} bytes of stdout ({@code cat} of a file of zeros written beforehand)
 * over WebSocket ({@code v4.channel.k8s.io}, else {@code channel.k8s.io}), {@value #STREAM_RUNS} runs, each checked
 * for the exact byte count and a successful status. Every pod gets a cgroup parent of its own, removed at the end with
 * whatever is left in it.
 */
final class Exec {
    static final String ROW_EXEC_SYNC = "ExecSync true";
    static final String ROW_STREAM = "exec stdout MB/s";
    static final int DEFAULT_N = 50;
    static final int STREAM_RUNS = 3;
    static final long STREAM_BYTES = 100L << 20;
    private static final double TARGET_VS_PEER = 1.0;
    private static final double TARGET_STREAM_MB_S = 200;
    /** Tried in this order; a refused upgrade (any answer but 101) moves on to the next. */
    private static final List<String> PROTOCOLS = List.of("v4.channel.k8s.io", "channel.k8s.io");
    /** In the container's writable layer, written once before the stream runs. */
    private static final String STREAM_FILE = "/tmp/berth-bench-stream";
    private static final int ERROR_CHANNEL = 3;
    private static final long CALL_TIMEOUT_SECONDS = 60;
    private static final int EXEC_SYNC_TIMEOUT_SECONDS = 30;
    private static final long EXEC_SYNC_BUDGET_MILLIS = 180_000;
    private static final long STREAM_BUDGET_MILLIS = 120_000;
    private static final long CLEANUP_BUDGET_MILLIS = 120_000;
    private static final PodSession.Spec SESSION = new PodSession.Spec("exec", "bench-exec", CLEANUP_BUDGET_MILLIS,
            Exec::cleanedUp);
    private static final double MB = 1024.0 * 1024.0;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private Exec() {
    }

    /**
     * One streamed exec.
     *
     * @param mbPerSec       MB/s from the CRI Exec call to the connection's close
     * @param streamMbPerSec MB/s from the first stdout byte to the close
     * @param clientCpu      the share of the wall time the reading thread spent on a CPU (near 1: the client is the limit)
     */
    private record Run(double mbPerSec, double streamMbPerSec, long frames, double clientCpu) {
    }

    /**
     * What one daemon gave: ExecSync latencies, and the streamed runs over {@code protocol} (empty when the stream
     * could not be measured: {@code streamProblem} says why, and {@code refused} whether the daemon refused every
     * WebSocket protocol rather than failing otherwise).
     */
    private record Samples(List<Double> execSyncMs, List<Run> runs, String protocol, String streamProblem, boolean refused) {
    }

    /** The daemon answered something other than 101 to every protocol offered. */
    private static final class UpgradeRefused extends Exception {
        UpgradeRefused(String message) {
            super(message);
        }
    }

    static void run(Report report, BerthdLauncher berth, DaemonLauncher peer, int n) throws Exception {
        String tag = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        Path work = TempDirs.create("exec");
        try (LocalRegistry registry = LocalRegistry.start()) {
            String image = BenchPods.sleepImage(registry, work, "exec");
            Map<String, Samples> by = BenchPods.eachDaemon(report, "exec", berth, peer, l -> PodSession.run(SESSION, l,
                    registry.host(), image, Cgroups.track("/berth-bench-" + tag + "-exec-" + l.name()), work,
                    s -> measure(s, image, n)), l -> { });
            Samples b = by.get(berth.name());
            Samples p = peer == null ? null : by.get(peer.name());
            by.forEach((name, s) -> {
                // a peer that speaks no WebSocket on its streaming URLs is n/a (said in the notes), not a failure
                if (s.runs().isEmpty() && !(s.refused() && !name.equals(berth.name()))) {
                    report.fail("exec stdout on " + name + ": " + s.streamProblem());
                }
            });
            addRows(report, b, p, n, peer);
        } finally {
            TempDirs.delete(work);
        }
    }

    // ---------------------------------------------------------------- report

    private static void addRows(Report report, Samples b, Samples p, int n, DaemonLauncher peer) {
        if (b != null) {
            Stats bs = Stats.of(b.execSyncMs());
            Stats ps = p == null ? null : Stats.of(p.execSyncMs());
            report.add(new Result(ps == null ? ROW_EXEC_SYNC : ROW_EXEC_SYNC + " vs " + peer.name(), "ms", Result.Better.LOWER, bs, ps,
                    null, ps == null ? "" : String.format(Locale.ROOT, "<= %.1f", TARGET_VS_PEER * ps.p50())));
            if (!b.runs().isEmpty()) {
                Stats pt = p == null ? null : Stats.ofOrNull(rates(p.runs()));
                report.add(new Result(ROW_STREAM, "MB/s", Result.Better.HIGHER, Stats.of(rates(b.runs())), pt, null,
                        String.format(Locale.ROOT, ">= %.0f", TARGET_STREAM_MB_S)));
            }
        }
        report.note(String.format(Locale.ROOT, "exec: in one running container (`sleep 3600`) of a host-network pod per daemon: "
                + "'%s' = %d ExecSync calls of `true` one after another, first call included (no warm-up); '%s' = CRI Exec "
                + "(stdout only) of `cat` of a %d-byte file, its URL read over WebSocket (%s, the first the daemon accepts) to the "
                + "connection's close, %d runs, each checked for exactly %d bytes on stdout and a successful status on the error "
                + "channel; MB/s = 2^20 bytes per second from the Exec call to the close (p50 = median, p90 = best of %d). "
                + "Targets: ExecSync p50 <= %.1fx containerd's; berth >= %.0f MB/s.", ROW_EXEC_SYNC, n, ROW_STREAM, STREAM_BYTES,
                String.join(", else ", PROTOCOLS), STREAM_RUNS, STREAM_BYTES, STREAM_RUNS, TARGET_VS_PEER, TARGET_STREAM_MB_S));
        if (b != null) {
            report.note("exec berth: " + side(b));
        }
        if (p != null) {
            report.note("exec " + peer.name() + ": " + side(p));
        }
    }

    private static List<Double> rates(List<Run> runs) {
        return runs.stream().map(Run::mbPerSec).toList();
    }

    private static String side(Samples s) {
        Stats sync = Stats.of(s.execSyncMs());
        String head = String.format(Locale.ROOT, "ExecSync p50 %.1f / p90 %.1f ms (min %.1f, max %.1f, %d calls)", sync.p50(),
                sync.p90(), sync.min(), sync.max(), sync.n());
        if (s.runs().isEmpty()) {
            return head + "; stdout stream n/a: " + s.streamProblem();
        }
        Stats all = Stats.of(rates(s.runs()));
        Stats stream = Stats.of(s.runs().stream().map(Run::streamMbPerSec).toList());
        long frames = s.runs().stream().mapToLong(Run::frames).sum();
        return head + String.format(Locale.ROOT, "; stdout over %s: median %.1f, best %.1f MB/s from the Exec call (runs: %s); "
                        + "median %.1f, best %.1f MB/s from the first byte; %.1f KiB per frame on average; the bench's reading "
                        + "thread on a CPU %.0f %% of the time at most",
                s.protocol(), all.p50(), all.max(),
                String.join(", ", s.runs().stream().map(r -> String.format(Locale.ROOT, "%.1f", r.mbPerSec())).toList()),
                stream.p50(), stream.max(), STREAM_BYTES * (double) s.runs().size() / frames / 1024,
                100 * s.runs().stream().mapToDouble(Run::clientCpu).max().orElse(0));
    }

    // ---------------------------------------------------------------- measurement

    /** Starts the container in the session's pod, then times ExecSync and the streamed runs. */
    private static Samples measure(PodSession session, String image, int n) throws Exception {
        DaemonUnderTest d = session.daemon();
        RuntimeServiceGrpc.RuntimeServiceBlockingStub rt = session.runtime();
        String id = BenchPods.createSleep(rt, session.podId(), session.pod(), image, "app");
        session.cleanup().containers.add(id);
        BenchPods.start(rt, id);
        System.err.printf(Locale.ROOT, "bench: exec %s: container %s running%n", d.name(), id);

        List<Double> sync = execSync(rt, id, n);
        Stats s = Stats.of(sync);
        System.err.printf(Locale.ROOT, "bench: exec %s: %d ExecSync `true` p50 %.1f ms, p90 %.1f ms%n", d.name(), s.n(),
                s.p50(), s.p90());

        // The stream reads a file written beforehand (not timed): busybox head, writing 4 KiB at a time, is
        // itself slower than the target, so generating the bytes on the fly would measure head.
        ExecSyncResponse made = rt.withDeadlineAfter(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS).execSync(
                ExecSyncRequest.newBuilder().setContainerId(id).addAllCmd(List.of("sh", "-c", "head -c "
                        + STREAM_BYTES + " /dev/zero > " + STREAM_FILE)).setTimeout(EXEC_SYNC_TIMEOUT_SECONDS).build());
        if (made.getExitCode() != 0) {
            throw new IllegalStateException("writing " + STREAM_FILE + " failed: " + made.getStderr().toStringUtf8());
        }
        List<Run> runs = new ArrayList<>();
        String protocol = null;
        String problem = null;
        boolean refused = false;
        try {
            for (int i = 0; i < STREAM_RUNS; i++) {
                TempDirs.checkNotShuttingDown();
                List<String> offers = protocol == null ? PROTOCOLS : List.of(protocol);
                String[] accepted = new String[1];
                Run r = streamOnce(rt, id, offers, accepted);
                protocol = accepted[0];
                runs.add(r);
                System.err.printf(Locale.ROOT, "bench: exec %s: %d MiB of stdout over %s: %.1f MB/s (%.1f from the first byte, "
                        + "%d frames, reader on a CPU %.0f %% of the time)%n", d.name(), STREAM_BYTES >> 20, protocol, r.mbPerSec(),
                        r.streamMbPerSec(), r.frames(), 100 * r.clientCpu());
            }
        } catch (UpgradeRefused e) {
            problem = e.getMessage();
            refused = true;
        } catch (IOException | RuntimeException e) {
            // the ExecSync figures stand; the runs so far do not make a complete sample
            problem = Report.firstLine(e);
            runs.clear();
        }
        if (problem != null) {
            System.err.printf(Locale.ROOT, "bench: exec %s: stdout stream not measured: %s%n", d.name(), problem);
        }
        return new Samples(sync, runs, protocol, problem, refused);
    }

    /** {@code n} ExecSync calls of {@code true}, each timed; stops early (fewer samples) when the budget is spent. */
    private static List<Double> execSync(RuntimeServiceGrpc.RuntimeServiceBlockingStub rt, String id, int n) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(EXEC_SYNC_BUDGET_MILLIS);
        ExecSyncRequest req = ExecSyncRequest.newBuilder().setContainerId(id).addCmd("true").setTimeout(EXEC_SYNC_TIMEOUT_SECONDS).build();
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < n && System.nanoTime() < deadline; i++) {
            TempDirs.checkNotShuttingDown();
            long t0 = System.nanoTime();
            ExecSyncResponse r = rt.withDeadlineAfter(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS).execSync(req);
            ms.add((System.nanoTime() - t0) / 1e6);
            if (r.getExitCode() != 0) {
                throw new IllegalStateException("ExecSync `true` exited " + r.getExitCode() + ": " + r.getStderr().toStringUtf8());
            }
        }
        return ms;
    }

    /**
     * One CRI Exec of {@code cat STREAM_FILE} ({@code STREAM_BYTES} of zeros), its URL read to the close over the first protocol of
     * {@code offers} the daemon accepts (a URL is single-use: each refused offer costs a fresh Exec call; the timing
     * starts at the call whose upgrade succeeded), which is put in {@code accepted[0]}.
     */
    private static Run streamOnce(RuntimeServiceGrpc.RuntimeServiceBlockingStub rt, String id, List<String> offers, String[] accepted)
            throws IOException, UpgradeRefused {
        ExecRequest req = ExecRequest.newBuilder().setContainerId(id)
                .addAllCmd(List.of("cat", STREAM_FILE)).setStdout(true).build();
        List<String> answers = new ArrayList<>();
        for (String protocol : offers) {
            long t0 = System.nanoTime();
            String url = rt.withDeadlineAfter(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS).exec(req).getUrl();
            try (RawWebSocket ws = RawWebSocket.connect(url, protocol)) {
                if (ws.status != 101) {
                    String first = ws.responseHead.lines().findFirst().orElse("(no answer)");
                    answers.add(protocol + ": " + first);
                    continue;
                }
                accepted[0] = protocol;
                return readToClose(ws, protocol, t0);
            }
        }
        throw new UpgradeRefused("WebSocket upgrade refused (" + String.join("; ", answers) + ")");
    }

    /** Reads every message until the close, counting stdout bytes; checks the count and the error channel's status. */
    private static Run readToClose(RawWebSocket ws, String protocol, long t0) throws IOException {
        long deadline = t0 + TimeUnit.MILLISECONDS.toNanos(STREAM_BUDGET_MILLIS);
        long cpu0 = THREADS.getCurrentThreadCpuTime();
        long read0 = System.nanoTime();
        long stdout = 0;
        long other = 0;
        long frames = 0;
        long firstByte = 0;
        int channel = -1;
        ByteArrayOutputStream status = new ByteArrayOutputStream();
        for (RawWebSocket.Frame f; (f = ws.read()) != null; ) {
            if (System.nanoTime() > deadline) {
                throw new IOException("stdout not read to the end within " + STREAM_BUDGET_MILLIS + " ms (" + stdout + " bytes so far)");
            }
            int op = f.opcode();
            if (op == 8) {
                break;
            }
            if (op >= 8) {
                continue; // ping, pong
            }
            byte[] p = f.payload();
            int from = 0;
            if (op != 0) { // a new message starts with its channel; a continuation carries on the previous one's
                channel = f.channel();
                from = 1;
            }
            int len = Math.max(0, p.length - from);
            frames++;
            if (channel == 1) {
                if (stdout == 0 && len > 0) {
                    firstByte = System.nanoTime();
                }
                stdout += len;
            } else if (channel == ERROR_CHANNEL) {
                status.write(p, from, len);
            } else {
                other += len;
            }
        }
        long end = System.nanoTime();
        double clientCpu = (THREADS.getCurrentThreadCpuTime() - cpu0) / (double) (end - read0);
        if (stdout != STREAM_BYTES) {
            throw new IOException("read " + stdout + " bytes of stdout, not " + STREAM_BYTES + " (" + other + " on other channels, status \""
                    + status.toString(StandardCharsets.UTF_8) + "\")");
        }
        checkStatus(protocol, status.toString(StandardCharsets.UTF_8));
        return new Run(STREAM_BYTES / MB / ((end - t0) / 1e9), STREAM_BYTES / MB / ((end - firstByte) / 1e9), frames, clientCpu);
    }

    /** v4 and later: a JSON Status with "status":"Success"; before v4: nothing (an error's text otherwise). */
    private static void checkStatus(String protocol, String status) throws IOException {
        if (protocol.startsWith("v4.") || protocol.startsWith("v5.")) {
            String s = null;
            try {
                JsonElement e = JsonParser.parseString(status);
                s = e.isJsonObject() && e.getAsJsonObject().has("status") ? e.getAsJsonObject().get("status").getAsString() : null;
            } catch (RuntimeException e) {
                // not JSON: reported below
            }
            if (!"Success".equals(s)) {
                throw new IOException("error channel did not report success: \"" + status + "\"");
            }
        } else if (!status.isEmpty()) {
            throw new IOException("error channel reported: \"" + status + "\"");
        }
    }

    private static void cleanedUp(DaemonUnderTest d, int containers, int pods, double seconds, int failures) {
        if (failures > 0) {
            System.err.printf(Locale.ROOT, "bench: exec %s: %d cleanup CRI calls failed (the rest was removed by hand)%n",
                    d.name(), failures);
        }
    }
}
