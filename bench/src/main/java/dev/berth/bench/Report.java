package dev.berth.bench;

import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The rows and notes of one bench/run, printed as one table and written as JSON. */
final class Report {
    private final String berthVersion;
    private final String peerName;
    private final String peerVersion;
    private final String started = OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS).toString();
    private final String loadBefore = loadAverage();
    private final List<Result> rows = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private final List<String> failures = new ArrayList<>();

    /** @param peerName null without a peer */
    Report(String berthVersion, String peerName, String peerVersion) {
        this.berthVersion = berthVersion;
        this.peerName = peerName;
        this.peerVersion = peerVersion;
    }

    void add(Result r) {
        rows.add(r);
    }

    void note(String n) {
        notes.add(n);
    }

    /** A part of a workload that could not be measured: printed and written with the rest; bench/run then exits 1. */
    void fail(String f) {
        failures.add(f);
    }

    boolean failed() {
        return !failures.isEmpty();
    }

    void print(PrintStream out) {
        out.printf(Locale.ROOT, "berth: %s%npeer:  %s%nmachine: %d cores, Linux %s, Java %s; load average before %s, after %s%n%n",
                berthVersion, peerName == null ? "(none: add --peer containerd)" : peerVersion,
                Runtime.getRuntime().availableProcessors(), kernel(), System.getProperty("java.version"), loadBefore, loadAverage());
        String fmt = "%-31s %-5s %-6s %9s %9s %9s %9s %9s %6s %-10s %3s  %-6s %s%n";
        out.printf(Locale.ROOT, fmt, "WORKLOAD", "UNIT", "BETTER", "BERTH p50", "BERTH p90", "PEER p50", "PEER p90", "FLOOR p50",
                "RATIO", "AHEAD", "N", "TARGET", "MET");
        for (Result r : rows) {
            out.printf(Locale.ROOT, fmt, r.workload(), r.unit(), r.better().word(), num(r.berth().p50()), num(r.berth().p90()),
                    r.peer() == null ? "-" : num(r.peer().p50()), r.peer() == null ? "-" : num(r.peer().p90()),
                    r.floor() == null ? "-" : num(r.floor().p50()), Double.isNaN(r.ratio()) ? "-" : String.format(Locale.ROOT, "%.2f", r.ratio()),
                    r.ahead(peerName), r.berth().n(), r.target().isEmpty() ? "-" : r.target(), r.target().isEmpty() ? "" : r.met() ? "yes" : "NO");
        }
        out.println();
        out.println("RATIO = berth p50 / peer p50. BETTER says which way wins: for 'lower' rows a ratio below 1 favours berth,"
                + " for 'higher' rows a ratio above 1 does. AHEAD names who wins by p50 ('even' within 5 %).");
        notes.forEach(n -> out.println("- " + n));
        failures.forEach(f -> out.println("- FAILED: " + f));
        out.println("- Other builds and tests may share this machine: compare the load averages above, and rerun when it is quiet.");
    }

    void write(Path file) throws IOException {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("date", started);
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cores", Runtime.getRuntime().availableProcessors());
        machine.put("kernel", kernel());
        machine.put("java", System.getProperty("java.version"));
        machine.put("load_before", loadBefore);
        machine.put("load_after", loadAverage());
        doc.put("machine", machine);
        doc.put("berth", berthVersion);
        Map<String, Object> peer = new LinkedHashMap<>();
        if (peerName != null) {
            peer.put("name", peerName);
            peer.put("version", peerVersion);
        }
        doc.put("peer", peerName == null ? null : peer);
        List<Map<String, Object>> results = new ArrayList<>();
        for (Result r : rows) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("workload", r.workload());
            m.put("unit", r.unit());
            m.put("better", r.better().word());
            m.put("berth", stats(r.berth()));
            m.put("peer", stats(r.peer()));
            m.put("floor", stats(r.floor()));
            m.put("ratio", Double.isNaN(r.ratio()) ? null : round(r.ratio()));
            m.put("ahead", r.ahead(peerName).isEmpty() ? null : r.ahead(peerName));
            m.put("target", r.target());
            m.put("met", r.met());
            results.add(m);
        }
        doc.put("results", results);
        doc.put("notes", notes);
        doc.put("failures", failures);
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, new GsonBuilder().setPrettyPrinting().serializeNulls().disableHtmlEscaping().create().toJson(doc) + "\n");
    }

    private static Map<String, Object> stats(Stats s) {
        if (s == null) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("p50", round(s.p50()));
        m.put("p90", round(s.p90()));
        m.put("min", round(s.min()));
        m.put("max", round(s.max()));
        m.put("n", s.n());
        return m;
    }

    private static double round(double d) {
        return Math.round(d * 100) / 100.0;
    }

    /** One decimal, two below 10 (ratios, MB per process). */
    private static String num(double d) {
        return String.format(Locale.ROOT, Math.abs(d) < 10 ? "%.2f" : "%.1f", d);
    }

    private static String kernel() {
        return readOr("/proc/sys/kernel/osrelease", System.getProperty("os.version"));
    }

    /** The 1, 5 and 15 minute load averages from /proc/loadavg. */
    static String loadAverage() {
        String s = readOr("/proc/loadavg", "?");
        String[] f = s.split(" ");
        return f.length >= 3 ? f[0] + " " + f[1] + " " + f[2] : s;
    }

    private static String readOr(String file, String fallback) {
        try {
            return Files.readString(Path.of(file)).strip();
        } catch (IOException e) {
            return fallback;
        }
    }

    /** The first line of what went wrong, with the root cause when there is one: for one row of a report. */
    static String firstLine(Throwable e) {
        String s = String.valueOf(e.getMessage());
        Throwable c = e;
        while (c.getCause() != null) {
            c = c.getCause();
        }
        if (c != e) {
            s = String.valueOf(c);
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
