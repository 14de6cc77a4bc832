package dev.berth.core.metrics;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.DoubleAdder;

/** Observations counted into fixed cumulative buckets per label set (Prometheus histogram). */
public final class Histogram implements Metrics.Family {
    /** Latency buckets in seconds, 1 ms to 60 s, for RPC timings. */
    public static final double[] LATENCY_SECONDS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

    private final String name;
    private final String help;
    private final double[] buckets;
    private final String[] labelNames;
    private final Map<List<String>, Series> series = new ConcurrentHashMap<>();

    Histogram(String name, String help, double[] buckets, String[] labelNames) {
        this.name = name;
        this.help = help;
        this.buckets = buckets.clone();
        this.labelNames = labelNames.clone();
    }

    public void observe(double value, String... labelValues) {
        if (labelValues.length != labelNames.length) {
            throw new IllegalArgumentException(name + " takes labels " + List.of(labelNames));
        }
        series.computeIfAbsent(List.of(labelValues), k -> new Series(buckets.length)).observe(buckets, value);
    }

    /** How many observations were made for these labels. */
    public long count(String... labelValues) {
        Series s = series.get(List.of(labelValues));
        return s == null ? 0 : s.counts.get(buckets.length);
    }

    @Override
    public void write(StringBuilder out) {
        Metrics.header(out, name, help, "histogram");
        series.forEach((labels, s) -> {
            for (int i = 0; i < buckets.length; i++) {
                out.append(name).append("_bucket").append(Metrics.labels(labelNames, labels, "le", Metrics.number(buckets[i])))
                        .append(' ').append(s.counts.get(i)).append('\n');
            }
            long total = s.counts.get(buckets.length);
            out.append(name).append("_bucket").append(Metrics.labels(labelNames, labels, "le", "+Inf")).append(' ').append(total).append('\n');
            out.append(name).append("_sum").append(Metrics.labels(labelNames, labels, null, null)).append(' ').append(s.sum.sum()).append('\n');
            out.append(name).append("_count").append(Metrics.labels(labelNames, labels, null, null)).append(' ').append(total).append('\n');
        });
    }

    /** Cumulative counts: slot i counts observations ≤ bucket i; the last slot counts all. */
    private static final class Series {
        final AtomicLongArray counts;
        final DoubleAdder sum = new DoubleAdder();

        Series(int n) {
            counts = new AtomicLongArray(n + 1);
        }

        void observe(double[] buckets, double v) {
            for (int i = 0; i < buckets.length; i++) {
                if (v <= buckets[i]) {
                    counts.incrementAndGet(i);
                }
            }
            counts.incrementAndGet(buckets.length);
            sum.add(v);
        }
    }
}
