package dev.berth.core.metrics;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The daemon's own footprint, read on scrape: Java heap and threads, each garbage collector's runs and time (a JVM
 * pausing often shows up as slow CRI calls), and, from {@code /proc/self}, resident memory and open file descriptors
 * (a leak of either is what takes a long-running node daemon down).
 */
public final class ProcessMetrics {
    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path FDS = Path.of("/proc/self/fd");

    private ProcessMetrics() {
    }

    public static void register(Metrics metrics) {
        Runtime rt = Runtime.getRuntime();
        metrics.gauge("berth_jvm_heap_used_bytes", "Java heap in use.", () -> rt.totalMemory() - rt.freeMemory());
        metrics.gauge("berth_jvm_threads", "Live JVM threads.", () -> ManagementFactory.getThreadMXBean().getThreadCount());
        metrics.counters("berth_jvm_gc_collections_total", "Collections by JVM garbage collector.",
                () -> perCollector(gc -> (double) Math.max(0, gc.getCollectionCount())), "gc");
        metrics.counters("berth_jvm_gc_collection_seconds_total", "Time spent collecting by JVM garbage collector.",
                () -> perCollector(gc -> Math.max(0, gc.getCollectionTime()) / 1000.0), "gc");
        metrics.gauge("berth_process_resident_memory_bytes", "Resident set size of berthd (VmRSS).", ProcessMetrics::residentBytes);
        metrics.gauge("berth_process_open_fds", "Open file descriptors of berthd.", ProcessMetrics::openFds);
    }

    private static Map<List<String>, Double> perCollector(java.util.function.ToDoubleFunction<GarbageCollectorMXBean> value) {
        Map<List<String>, Double> out = new LinkedHashMap<>();
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            out.put(List.of(gc.getName()), value.applyAsDouble(gc));
        }
        return out;
    }

    /** VmRSS in bytes, or NaN where /proc cannot tell. */
    static double residentBytes() {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024.0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux, or /proc not mounted
        }
        return Double.NaN;
    }

    /** Entries of /proc/self/fd (the listing's own descriptor included), or NaN where /proc cannot tell. */
    static double openFds() {
        int n = 0;
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(FDS)) {
            for (Path ignored : fds) {
                n++;
            }
        } catch (IOException e) {
            return Double.NaN;
        }
        return n;
    }
}
