package dev.berth.core.runtime;

import java.time.Instant;

/**
 * Resource usage of one container, read from its cgroup and writable layer. Values the host cannot report are -1.
 *
 * @param cpuUsageNanos        cumulative CPU time
 * @param memoryWorkingSet     usage minus inactive file pages, as the kubelet computes it
 * @param writableLayerBytes   bytes in the container's writable layer
 * @param writableLayerInodes  inodes in the container's writable layer
 */
public record ContainerStats(String id, Instant at, long cpuUsageNanos, long memoryUsageBytes, long memoryWorkingSet,
                             long memoryRss, long pageFaults, long majorPageFaults, long writableLayerBytes,
                             long writableLayerInodes) {
}
