package dev.berth.bench;

import java.util.List;

/** Percentiles of a sample (nearest-rank). */
record Stats(double p50, double p90, double min, double max, int n) {
    static Stats of(List<Double> samples) {
        if (samples.isEmpty()) {
            throw new IllegalArgumentException("empty sample");
        }
        double[] s = samples.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return new Stats(rank(s, 0.5), rank(s, 0.9), s[0], s[s.length - 1], s.length);
    }

    /** {@link #of}, or null for an empty sample (no peer, no floor). */
    static Stats ofOrNull(List<Double> samples) {
        return samples.isEmpty() ? null : of(samples);
    }

    private static double rank(double[] sorted, double q) {
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }
}
