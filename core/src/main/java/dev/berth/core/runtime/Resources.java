package dev.berth.core.runtime;

import java.util.Map;

/**
 * A container's resource limits, as the CRI's {@code LinuxContainerResources}. Zero (or empty) means "not set".
 *
 * @param cpuShares          relative CPU weight (cgroup v1 shares; converted to a weight on v2)
 * @param cpusetCpus         CPUs allowed, e.g. "0-1"
 * @param hugepageLimits     limit in bytes by page size ("2MB", "1GB")
 * @param unified            cgroup v2 files to write as they are ({@code memory.high} = "..."); refused on v1
 * @param memorySwapLimit    memory plus swap in bytes
 * @param oomScoreAdj        the container's {@code oom_score_adj}; clamped by the shim where the host forbids lowering
 */
public record Resources(long cpuPeriod, long cpuQuota, long cpuShares, long memoryLimitBytes, long oomScoreAdj,
                        String cpusetCpus, String cpusetMems, Map<String, Long> hugepageLimits,
                        Map<String, String> unified, long memorySwapLimit) {
    public Resources {
        cpusetCpus = cpusetCpus == null ? "" : cpusetCpus;
        cpusetMems = cpusetMems == null ? "" : cpusetMems;
        hugepageLimits = hugepageLimits == null ? Map.of() : Map.copyOf(hugepageLimits);
        unified = unified == null ? Map.of() : Map.copyOf(unified);
    }

    public static Resources none() {
        return new Resources(0, 0, 0, 0, 0, "", "", Map.of(), Map.of(), 0);
    }
}
