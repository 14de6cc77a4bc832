package dev.berth.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ProcessMetricsTest {
    @Test
    void reportsEachJvmCollectorAndTheProcessFootprint() throws IOException {
        Metrics m = new Metrics();
        ProcessMetrics.register(m);
        System.gc();
        String text = m.writeText();
        assertThat(text).contains("# TYPE berth_jvm_gc_collections_total counter\n",
                "# TYPE berth_jvm_gc_collection_seconds_total counter\n", "# TYPE berth_process_resident_memory_bytes gauge\n",
                "# TYPE berth_process_open_fds gauge\n", "# TYPE berth_jvm_heap_used_bytes gauge\n");
        ManagementFactory.getGarbageCollectorMXBeans().forEach(gc ->
                assertThat(text).contains("berth_jvm_gc_collections_total{gc=\"" + gc.getName() + "\"} "));
        long collections = ManagementFactory.getGarbageCollectorMXBeans().stream().mapToLong(gc -> gc.getCollectionCount()).sum();
        assertThat(collections).as("System.gc() ran a collection").isPositive();

        double rss = value(text, "berth_process_resident_memory_bytes");
        assertThat(rss).isGreaterThan(Runtime.getRuntime().totalMemory() / 4.0); // a JVM's RSS holds much of its heap
        double fds = value(text, "berth_process_open_fds");
        try (var list = Files.list(Path.of("/proc/self/fd"))) {
            assertThat(fds).isCloseTo(list.count(), org.assertj.core.data.Offset.offset(3.0));
        }
    }

    private static double value(String text, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + " (\\S+)$").matcher(text);
        assertThat(m.find()).as(name).isTrue();
        return Double.parseDouble(m.group(1));
    }
}
