package dev.berth.cri.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.metrics.Metrics;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class GcMetricsTest {
    private final Metrics metrics = new Metrics();
    private final GcMetrics gc = new GcMetrics(metrics);

    @Test
    void nothingAboutTheLastRunBeforeOneSucceeded() {
        assertThat(metrics.writeText()).contains("# TYPE berth_image_gc_last_duration_seconds gauge\n")
                .doesNotContain("\nberth_image_gc_last_duration_seconds ", "berth_image_gc_last_removed{");
    }

    @Test
    void countsRunsByResultAndKeepsWhatTheLastSuccessfulOneDid() {
        gc.record(() -> new GarbageCollector.Result(4, 4000, 2, 200, Duration.ofMillis(1500)));
        gc.record(() -> new GarbageCollector.Result(1, 10, 0, 0, Duration.ofMillis(250)));
        assertThatThrownBy(() -> gc.record(() -> {
            throw new IllegalStateException("store closed");
        })).hasMessage("store closed");
        assertThat(metrics.writeText()).contains("berth_image_gc_runs_total{result=\"ok\"} 2\n",
                "berth_image_gc_runs_total{result=\"error\"} 1\n", "berth_image_gc_last_duration_seconds 0.25\n",
                "berth_image_gc_last_removed{kind=\"blob\"} 1\n", "berth_image_gc_last_removed{kind=\"snapshot\"} 0\n",
                "berth_image_gc_removed_bytes_total{kind=\"blob\"} 4010\n", "berth_image_gc_removed_bytes_total{kind=\"snapshot\"} 200\n");
    }
}
