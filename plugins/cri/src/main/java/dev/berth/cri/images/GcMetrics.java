package dev.berth.cri.images;

import dev.berth.core.metrics.Counter;
import dev.berth.core.metrics.Metrics;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What image garbage collection did, for {@code /metrics}: runs by result, and what the last successful run took and
 * removed, so that an operator sees whether collection runs at all and whether disk is being given back.
 */
final class GcMetrics {
    private final Counter runs;
    private final Counter removedBytes;
    private volatile GarbageCollector.Result last;

    GcMetrics(Metrics metrics) {
        runs = metrics.counter("berth_image_gc_runs_total", "Image garbage collection runs by result (ok, error).", "result");
        removedBytes = metrics.counter("berth_image_gc_removed_bytes_total", "Bytes freed by image garbage collection, by kind "
                + "(blob, snapshot).", "kind");
        metrics.gauges("berth_image_gc_last_duration_seconds", "How long the last successful image garbage collection took.",
                () -> last == null ? Map.of() : Map.of(List.of(), last.duration().toNanos() / 1e9));
        metrics.gauges("berth_image_gc_last_removed", "Items the last successful image garbage collection removed, by kind "
                + "(blob, snapshot).", () -> last == null ? Map.of() : Map.of(List.of("blob"), (double) last.blobsRemoved(),
                        List.of("snapshot"), (double) last.snapshotsRemoved()), "kind");
    }

    /** Runs {@code collect} and records its outcome; what it throws goes on to the caller. */
    GarbageCollector.Result record(Supplier<GarbageCollector.Result> collect) {
        GarbageCollector.Result r;
        try {
            r = collect.get();
        } catch (RuntimeException | Error e) {
            runs.inc("error");
            throw e;
        }
        last = r;
        runs.inc("ok");
        removedBytes.add(r.blobBytes(), "blob");
        removedBytes.add(r.snapshotBytes(), "snapshot");
        return r;
    }
}
