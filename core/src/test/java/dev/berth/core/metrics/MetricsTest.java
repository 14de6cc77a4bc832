package dev.berth.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MetricsTest {
    @Test
    void writesCountersGaugesAndCumulativeHistogramsInPrometheusText() {
        Metrics m = new Metrics();
        Counter c = m.counter("calls_total", "Calls.", "method", "code");
        c.inc("Version", "OK");
        c.inc("Version", "OK");
        c.inc("Status", "INTERNAL");
        m.gauge("temp", "A gauge.", () -> 1.5);
        Histogram h = m.histogram("lat_seconds", "Latency.", new double[] {0.1, 1}, "method");
        h.observe(0.05, "Version");
        h.observe(0.5, "Version");
        h.observe(5, "Version");
        String text = m.writeText();
        assertThat(text).contains("# TYPE calls_total counter\n", "calls_total{method=\"Version\",code=\"OK\"} 2\n",
                "calls_total{method=\"Status\",code=\"INTERNAL\"} 1\n", "# TYPE temp gauge\ntemp 1.5\n",
                "lat_seconds_bucket{method=\"Version\",le=\"0.1\"} 1\n", "lat_seconds_bucket{method=\"Version\",le=\"1\"} 2\n",
                "lat_seconds_bucket{method=\"Version\",le=\"+Inf\"} 3\n", "lat_seconds_sum{method=\"Version\"} 5.55\n",
                "lat_seconds_count{method=\"Version\"} 3\n");
        assertThat(text.indexOf("calls_total")).isLessThan(text.indexOf("temp")).isLessThan(text.indexOf("lat_seconds"));
        assertThat(c.get("Version", "OK")).isEqualTo(2);
        assertThat(h.count("Version")).isEqualTo(3);
    }

    @Test
    void escapesLabelValuesAndChecksLabelArity() {
        Metrics m = new Metrics();
        Counter c = m.counter("x_total", "X.", "v");
        c.inc("a\"b\\c\nd");
        assertThat(m.writeText()).contains("x_total{v=\"a\\\"b\\\\c\\nd\"} 1");
        assertThatThrownBy(() -> c.inc("a", "b")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void registeringTheSameNameTwiceGivesTheSameFamilyUnlessKindsDiffer() {
        Metrics m = new Metrics();
        assertThat(m.counter("a", "A.")).isSameAs(m.counter("a", "A."));
        assertThatThrownBy(() -> m.histogram("a", "A.", new double[] {1})).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void sampledFamiliesAreReadOnEveryScrapeWithTheirLabels() {
        Metrics m = new Metrics();
        java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
        m.gauges("state", "State.", () -> java.util.Map.of(java.util.List.of("a", "ok"), (double) reads.incrementAndGet()), "id", "s");
        m.counters("runs_total", "Runs.", () -> java.util.Map.of(java.util.List.of("G1 Young"), 7.0), "gc");
        assertThat(m.writeText()).contains("# TYPE state gauge\nstate{id=\"a\",s=\"ok\"} 1\n",
                "# TYPE runs_total counter\nruns_total{gc=\"G1 Young\"} 7\n");
        assertThat(m.writeText()).contains("state{id=\"a\",s=\"ok\"} 2\n");
    }

    @Test
    void aSampleWithTheWrongLabelCountIsRefused() {
        Metrics m = new Metrics();
        m.gauges("g", "G.", () -> java.util.Map.of(java.util.List.of("a", "b"), 1.0), "only");
        assertThatThrownBy(m::writeText).isInstanceOf(IllegalStateException.class).hasMessageContaining("g takes labels [only]");
    }
}
