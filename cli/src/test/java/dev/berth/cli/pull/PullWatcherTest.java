package dev.berth.cli.pull;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.api.admin.v1.Ingest;
import io.grpc.Status;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Pull progress from ingest samples: the byte counts, the final 100%, and the fallback without an ingest list. */
class PullWatcherTest {
    private static Ingest ingest(String ref, long offset, long total) {
        return Ingest.newBuilder().setRef(ref).setOffset(offset).setTotal(total).build();
    }

    /** A pull that times out on each poll until {@code polls} polls have passed, then answers; a second per poll. */
    private static final class ScriptedPull extends CompletableFuture<String> {
        private final AtomicLong clock;
        private int polls;

        ScriptedPull(AtomicLong clock, int polls) {
            this.clock = clock;
            this.polls = polls;
        }

        @Override
        public String get(long timeout, TimeUnit unit) throws TimeoutException {
            clock.addAndGet(1_000_000_000L);
            if (polls-- > 0) {
                throw new TimeoutException();
            }
            return "sha256:abc";
        }
    }

    @Test
    void linesShowGrowingByteCountsAndEndAt100Percent() throws Exception {
        Deque<List<Ingest>> samples = new ArrayDeque<>(List.of(
                List.of(ingest("pull-sha256:old", 5, 100)),                                           // before the pull
                List.of(ingest("pull-sha256:old", 5, 100), ingest("pull-sha256:a", 1000, 4000)),      // leftover untouched
                List.of(ingest("pull-sha256:a", 3000, 4000), ingest("pull-sha256:b", 100, 2000)),
                List.of(ingest("pull-sha256:b", 100, 2000)),                                          // a committed
                List.of(ingest("pull-sha256:b", 1500, 2000))));
        AtomicLong clock = new AtomicLong();
        StringWriter out = new StringWriter();
        PullWatcher w = new PullWatcher(PullWatcher.Mode.LINES, new PrintWriter(out), samples::poll, "img", clock::get);

        assertThat(w.watch(() -> new ScriptedPull(clock, 4))).isEqualTo("sha256:abc");

        assertThat(out.toString().lines().toList()).containsExactly(
                "progress: 1000/4000 bytes (25%), 1.0kB/s, 0/1 downloads done, 1.0s",
                "progress: 3100/6000 bytes (51%), 1.6kB/s, 0/2 downloads done, 2.0s",
                "progress: 4100/6000 bytes (68%), 1.4kB/s, 1/2 downloads done, 3.0s",
                "progress: 5500/6000 bytes (91%), 1.4kB/s, 1/2 downloads done, 4.0s",
                "progress: 6000/6000 bytes (100%), 1.2kB/s, 2/2 downloads done, 5.0s");
    }

    @Test
    void aRuntimeWithoutTheIngestListGetsStartAndEndLines() throws Exception {
        AtomicLong clock = new AtomicLong();
        StringWriter out = new StringWriter();
        PullWatcher.IngestSource none = () -> {
            throw Status.UNIMPLEMENTED.asRuntimeException();
        };
        new PullWatcher(PullWatcher.Mode.LINES, new PrintWriter(out), none, "busybox", clock::get)
                .watch(() -> new ScriptedPull(clock, 2));
        assertThat(out.toString()).isEqualTo("pulling busybox (this runtime reports no progress)\npulled busybox in 3.0s\n");
    }

    @Test
    void aTerminalWithoutTheIngestListGetsASpinnerThatIsClearedAtTheEnd() throws Exception {
        AtomicLong clock = new AtomicLong();
        StringWriter out = new StringWriter();
        PullWatcher.IngestSource none = () -> {
            throw Status.UNIMPLEMENTED.asRuntimeException();
        };
        new PullWatcher(PullWatcher.Mode.TERMINAL, new PrintWriter(out), none, "busybox", clock::get)
                .watch(() -> new ScriptedPull(clock, 2));
        assertThat(out.toString()).isEqualTo("\r\033[2K| pulling busybox  1s\r\033[2K/ pulling busybox  2s"
                + "\r\033[2Kpulled busybox in 3.0s\n");
    }

    @Test
    void aTerminalRedrawsOneBarPerDownloadInPlace() throws Exception {
        Deque<List<Ingest>> samples = new ArrayDeque<>(List.of(List.of(), List.of(ingest("pull-sha256:0123456789abcdef0", 500, 1000))));
        AtomicLong clock = new AtomicLong();
        StringWriter out = new StringWriter();
        new PullWatcher(PullWatcher.Mode.TERMINAL, new PrintWriter(out), samples::poll, "img", clock::get)
                .watch(() -> new ScriptedPull(clock, 1));
        String[] frames = out.toString().split("\033\\[1A\033\\[2K\033\\[1A\033\\[2K");
        assertThat(frames).hasSize(2);
        assertThat(frames[0]).contains("sha256:0123456789ab [===============>              ]      500B / 1.0kB\n",
                "total", " 50%");
        assertThat(frames[1]).contains("1.0kB / 1.0kB      done", "100%");
    }

    @Test
    void aFailedPullFailsWithItsOwnError() {
        AtomicLong clock = new AtomicLong();
        PullWatcher w = new PullWatcher(PullWatcher.Mode.LINES, new PrintWriter(new StringWriter()), List::of, "img", clock::get);
        Future<String> failed = CompletableFuture.failedFuture(Status.NOT_FOUND.withDescription("no such image").asRuntimeException());
        assertThatThrownBy(() -> w.watch(() -> failed)).hasMessageContaining("NOT_FOUND: no such image");
    }

    @Test
    void nothingToFetchIsStill100Percent() {
        IngestProgress p = new IngestProgress(List.of(), 0);
        p.finish(1);
        assertThat(p.percent()).isEqualTo(100);
        assertThat(ProgressView.line(p)).startsWith("progress: 0/0 bytes (100%)");
    }
}
