package dev.berth.core.metrics;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** A monotonically increasing count per label set. */
public final class Counter implements Metrics.Family {
    private final String name;
    private final String help;
    private final String[] labelNames;
    private final Map<List<String>, LongAdder> values = new ConcurrentHashMap<>();

    Counter(String name, String help, String[] labelNames) {
        this.name = name;
        this.help = help;
        this.labelNames = labelNames.clone();
    }

    public void inc(String... labelValues) {
        add(1, labelValues);
    }

    public void add(long n, String... labelValues) {
        if (labelValues.length != labelNames.length) {
            throw new IllegalArgumentException(name + " takes labels " + List.of(labelNames));
        }
        values.computeIfAbsent(List.of(labelValues), k -> new LongAdder()).add(n);
    }

    /** The current count for these labels (0 if never counted). */
    public long get(String... labelValues) {
        LongAdder a = values.get(List.of(labelValues));
        return a == null ? 0 : a.sum();
    }

    @Override
    public void write(StringBuilder out) {
        Metrics.header(out, name, help, "counter");
        values.forEach((labels, v) -> out.append(name).append(Metrics.labels(labelNames, labels, null, null))
                .append(' ').append(v.sum()).append('\n'));
    }
}
