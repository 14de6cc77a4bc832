package dev.berth.cli.pull;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The text of a pull's progress: one plain line for logs and pipes, bars for a terminal, a spinner without data. */
public final class ProgressView {
    private static final int BAR = 30;
    private static final String SPIN = "|/-\\";

    private ProgressView() {
    }

    /** {@code progress: 4194304/12582912 bytes (33%), 3.0MB/s, 1/3 downloads done}. */
    public static String line(IngestProgress p) {
        long complete = p.downloads().stream().filter(IngestProgress.Download::complete).count();
        return String.format(Locale.ROOT, "progress: %d/%d bytes (%d%%), %s/s, %d/%d downloads done, %.1fs", p.done(),
                p.total(), p.percent(), size(p.rate()), complete, p.downloads().size(), p.elapsedSeconds());
    }

    /** One bar per download, then the total: what a terminal shows, redrawn in place. */
    public static List<String> bars(IngestProgress p) {
        List<String> lines = new ArrayList<>();
        for (IngestProgress.Download d : p.downloads()) {
            lines.add(String.format(Locale.ROOT, "%-19s %s %9s / %-9s%s", label(d.ref()), bar(d.done(), d.size()),
                    size(d.done()), d.total() >= 0 ? size(d.total()) : "?", d.complete() ? "  done" : "").stripTrailing());
        }
        lines.add(String.format(Locale.ROOT, "%-19s %s %9s / %-9s %3d%%  %s/s  %.0fs", "total", bar(p.done(), p.total()),
                size(p.done()), size(p.total()), p.percent(), size(p.rate()), p.elapsedSeconds()));
        return lines;
    }

    /** For a runtime that tells nothing about a pull in progress: a turning mark and the time so far. */
    public static String spinner(String image, int tick, double elapsedSeconds) {
        return String.format(Locale.ROOT, "%c pulling %s  %.0fs", SPIN.charAt(Math.floorMod(tick, SPIN.length())), image,
                elapsedSeconds);
    }

    static String bar(long done, long total) {
        int filled = total <= 0 ? 0 : (int) Math.min(BAR, BAR * done / total);
        return "[" + "=".repeat(filled) + (filled < BAR ? ">" + " ".repeat(BAR - filled - 1) : "") + "]";
    }

    /** {@code pull-sha256:0123…} as {@code sha256:0123456789ab}: enough to tell layers apart. */
    static String label(String ref) {
        String r = ref.startsWith("pull-") ? ref.substring(5) : ref;
        return r.length() > 19 ? r.substring(0, 19) : r;
    }

    /** Decimal units as crictl prints image sizes. */
    static String size(double bytes) {
        String[] units = {"B", "kB", "MB", "GB", "TB"};
        int u = 0;
        while (bytes >= 1000 && u < units.length - 1) {
            bytes /= 1000;
            u++;
        }
        return u == 0 ? String.format(Locale.ROOT, "%.0fB", bytes) : String.format(Locale.ROOT, "%.1f%s", bytes, units[u]);
    }
}
