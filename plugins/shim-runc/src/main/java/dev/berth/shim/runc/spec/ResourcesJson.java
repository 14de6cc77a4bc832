package dev.berth.shim.runc.spec;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.runtime.Resources;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Maps CRI resource limits onto OCI {@code linux.resources}. Zero means "not set" in the CRI, but zero is a real
 * (and fatal) limit in the OCI spec, so unset values are left out rather than written as 0.
 */
final class ResourcesJson {
    private final boolean cgroupV2;

    ResourcesJson(boolean cgroupV2) {
        this.cgroupV2 = cgroupV2;
    }

    Oci.Resources toOci(Resources r, List<Oci.DeviceRule> deviceRules) {
        if (!r.unified().isEmpty() && !cgroupV2) {
            throw BerthException.invalidArgument("linux.resources.unified needs cgroup v2");
        }
        Oci.Cpu cpu = new Oci.Cpu(positive(r.cpuShares()), positive(r.cpuQuota()), positive(r.cpuPeriod()),
                blankToNull(r.cpusetCpus()), blankToNull(r.cpusetMems()));
        Oci.Memory memory = new Oci.Memory(positive(r.memoryLimitBytes()),
                r.memorySwapLimit() == -1 ? Long.valueOf(-1) : positive(r.memorySwapLimit())); // -1: unlimited swap
        List<Oci.HugepageLimit> hugepages = new ArrayList<>();
        new TreeMap<>(r.hugepageLimits()).forEach((size, limit) -> hugepages.add(new Oci.HugepageLimit(size, limit)));
        return new Oci.Resources(
                deviceRules.isEmpty() ? null : deviceRules,
                memory.equals(new Oci.Memory(null, null)) ? null : memory,
                cpu.equals(new Oci.Cpu(null, null, null, null, null)) ? null : cpu,
                hugepages.isEmpty() ? null : hugepages,
                r.unified().isEmpty() ? null : new TreeMap<>(r.unified()));
    }

    private static Long positive(long value) {
        return value > 0 ? value : null;
    }

    private static String blankToNull(String s) {
        return s.isBlank() ? null : s;
    }
}
