package dev.berth.core.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;

/**
 * The daemon's metric families, written out in the Prometheus text format. Deliberately small: counters,
 * gauges read on scrape, and fixed-bucket histograms, each with label values given in order.
 */
public final class Metrics {
    private final Map<String, Family> families = new ConcurrentHashMap<>();
    private final List<String> order = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** A family that {@link #writeText(StringBuilder)} can print. */
    interface Family {
        void write(StringBuilder out);
    }

    public Counter counter(String name, String help, String... labelNames) {
        return register(name, () -> new Counter(name, help, labelNames), Counter.class);
    }

    public Histogram histogram(String name, String help, double[] buckets, String... labelNames) {
        return register(name, () -> new Histogram(name, help, buckets, labelNames), Histogram.class);
    }

    /** A value read when metrics are scraped (e.g. heap in use). */
    public void gauge(String name, String help, DoubleSupplier value) {
        sampled(name, help, "gauge", () -> Map.of(List.of(), value.getAsDouble()));
    }

    /** Values per label set read when metrics are scraped (e.g. each plugin's state); keys list label values in order. */
    public void gauges(String name, String help, Supplier<Map<List<String>, Double>> values, String... labelNames) {
        sampled(name, help, "gauge", values, labelNames);
    }

    /** Counts kept elsewhere (e.g. by the JVM), read when metrics are scraped; keys list label values in order. */
    public void counters(String name, String help, Supplier<Map<List<String>, Double>> values, String... labelNames) {
        sampled(name, help, "counter", values, labelNames);
    }

    private void sampled(String name, String help, String type, Supplier<Map<List<String>, Double>> values, String... labelNames) {
        register(name, () -> new Sampled(name, help, type, labelNames.clone(), values), Sampled.class);
    }

    private <F extends Family> F register(String name, Supplier<F> make, Class<F> kind) {
        Family f = families.computeIfAbsent(name, n -> {
            order.add(n);
            return make.get();
        });
        if (!kind.isInstance(f)) {
            throw new IllegalArgumentException("metric " + name + " is already registered as " + f.getClass().getSimpleName());
        }
        return kind.cast(f);
    }

    /** Every family in registration order, in Prometheus text exposition format 0.0.4. */
    public String writeText() {
        StringBuilder out = new StringBuilder();
        for (String name : new ArrayList<>(order)) {
            families.get(name).write(out);
        }
        return out.toString();
    }

    static String labels(String[] names, List<String> values, String extraName, String extraValue) {
        if (names.length == 0 && extraName == null) {
            return "";
        }
        StringBuilder b = new StringBuilder("{");
        for (int i = 0; i < names.length; i++) {
            if (i > 0) {
                b.append(',');
            }
            b.append(names[i]).append("=\"").append(escape(values.get(i))).append('"');
        }
        if (extraName != null) {
            if (names.length > 0) {
                b.append(',');
            }
            b.append(extraName).append("=\"").append(extraValue).append('"');
        }
        return b.append('}').toString();
    }

    private static String escape(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    static void header(StringBuilder out, String name, String help, String type) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    static String number(double v) {
        if (v == Math.rint(v) && !Double.isInfinite(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }

    private record Sampled(String name, String help, String type, String[] labelNames,
                           Supplier<Map<List<String>, Double>> values) implements Family {
        @Override
        public void write(StringBuilder out) {
            header(out, name, help, type);
            values.get().forEach((labels, v) -> {
                if (labels.size() != labelNames.length) {
                    throw new IllegalStateException(name + " takes labels " + List.of(labelNames) + ", got " + labels);
                }
                out.append(name).append(labels(labelNames, labels, null, null)).append(' ').append(number(v)).append('\n');
            });
        }
    }
}
