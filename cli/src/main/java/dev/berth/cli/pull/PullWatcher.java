package dev.berth.cli.pull;

import dev.berth.api.admin.v1.Ingest;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Shows a pull while the single CRI PullImage call runs: the call cannot report progress, so this polls Berth's
 * admin API for the content store's ingests beside it. On a terminal it redraws a bar per download; otherwise it
 * prints a plain line whenever the byte count moved. A runtime without that API (containerd, CRI-O) gets a spinner
 * with the time so far on a terminal, and a line at the start and the end otherwise.
 */
public final class PullWatcher {
    /** Where the progress goes. */
    public enum Mode { TERMINAL, LINES }

    /** The ingests now; a StatusRuntimeException when the runtime cannot say. */
    @FunctionalInterface
    public interface IngestSource {
        List<Ingest> list();
    }

    private final Mode mode;
    private final PrintWriter out;
    private final IngestSource source;
    private final String image;
    private final LongSupplier nanoClock;
    private int drawnLines;
    private long lastPrinted = -1;

    public PullWatcher(Mode mode, PrintWriter out, IngestSource source, String image, LongSupplier nanoClock) {
        this.mode = mode;
        this.out = out;
        this.source = source;
        this.image = image;
        this.nanoClock = nanoClock;
    }

    /**
     * Lists the ingests already there, sends the pull, and shows its progress until it ends.
     *
     * @return the pull's answer
     * @throws Exception the pull's own failure
     */
    public <T> T watch(Supplier<Future<T>> send) throws Exception {
        List<Ingest> existing = list();
        long started = nanoClock.getAsLong();
        Future<T> pull = send.get();
        IngestProgress progress = existing == null ? null : new IngestProgress(existing, started);
        if (progress == null && mode == Mode.LINES) {
            say("pulling " + image + " (this runtime reports no progress)");
        }
        long interval = mode == Mode.TERMINAL ? 200 : 1000;
        for (int tick = 0; ; tick++) { // ends when the call does: it carries a deadline
            try {
                T result = pull.get(interval, TimeUnit.MILLISECONDS);
                done(progress, started);
                return result;
            } catch (TimeoutException e) {
                show(progress, started, tick);
            } catch (ExecutionException e) {
                if (mode == Mode.TERMINAL && progress == null) { // the spinner's line
                    out.print("\r\033[2K");
                }
                out.flush();
                throw e.getCause() instanceof Exception c ? c : e;
            }
        }
    }

    /** The ingests, or null when the runtime offers no such list (not Berth, or no content store). */
    private List<Ingest> list() {
        try {
            return source.list();
        } catch (StatusRuntimeException e) {
            return null;
        }
    }

    private void show(IngestProgress progress, long started, int tick) {
        long now = nanoClock.getAsLong();
        if (progress == null) {
            if (mode == Mode.TERMINAL) {
                out.print("\r\033[2K" + ProgressView.spinner(image, tick, (now - started) / 1e9));
                out.flush();
            }
            return;
        }
        List<Ingest> ingests = list();
        if (ingests == null) {
            return; // a missed sample: the next one catches up
        }
        progress.sample(ingests, now);
        if (mode == Mode.TERMINAL) {
            redraw(ProgressView.bars(progress));
        } else if (!progress.downloads().isEmpty() && progress.done() != lastPrinted) {
            lastPrinted = progress.done();
            say(ProgressView.line(progress));
        }
    }

    private void done(IngestProgress progress, long started) {
        long now = nanoClock.getAsLong();
        if (progress == null) {
            String line = String.format(java.util.Locale.ROOT, "pulled %s in %.1fs", image, (now - started) / 1e9);
            if (mode == Mode.TERMINAL) {
                out.print("\r\033[2K");
            }
            say(line);
            return;
        }
        progress.finish(now);
        if (mode == Mode.TERMINAL) {
            redraw(ProgressView.bars(progress));
        } else {
            say(ProgressView.line(progress));
        }
    }

    /** Moves up over the lines drawn last time and draws these instead. */
    private void redraw(List<String> lines) {
        StringBuilder b = new StringBuilder();
        b.append("\033[1A\033[2K".repeat(drawnLines));
        lines.forEach(l -> b.append('\r').append(l).append('\n'));
        out.print(b);
        out.flush();
        drawnLines = lines.size();
    }

    private void say(String line) {
        out.println(line);
        out.flush();
    }
}
