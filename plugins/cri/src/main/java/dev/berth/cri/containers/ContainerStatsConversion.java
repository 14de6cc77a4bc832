package dev.berth.cri.containers;

import dev.berth.api.cri.v1.ContainerAttributes;
import dev.berth.api.cri.v1.ContainerConfig;
import dev.berth.api.cri.v1.CpuUsage;
import dev.berth.api.cri.v1.FilesystemIdentifier;
import dev.berth.api.cri.v1.FilesystemUsage;
import dev.berth.api.cri.v1.MemoryUsage;
import dev.berth.api.cri.v1.UInt64Value;
import dev.berth.core.runtime.ContainerStats;
import dev.berth.core.snapshot.Usage;

/** Shim stats + the writable layer's usage → the CRI's {@code ContainerStats}. Values the shim cannot tell are left unset. */
final class ContainerStatsConversion {
    private ContainerStatsConversion() {
    }

    static dev.berth.api.cri.v1.ContainerStats toCri(ContainerRecord r, ContainerConfig c, ContainerStats s, Usage layer,
                                                     String layerDir) {
        long at = ContainerStatusConversion.nanos(s.at());
        dev.berth.api.cri.v1.ContainerStats.Builder b = dev.berth.api.cri.v1.ContainerStats.newBuilder()
                .setAttributes(ContainerAttributes.newBuilder().setId(r.id()).setMetadata(c.getMetadata())
                        .putAllLabels(c.getLabelsMap()).putAllAnnotations(c.getAnnotationsMap()));
        CpuUsage.Builder cpu = CpuUsage.newBuilder().setTimestamp(at);
        set(s.cpuUsageNanos(), v -> cpu.setUsageCoreNanoSeconds(u(v)));
        MemoryUsage.Builder mem = MemoryUsage.newBuilder().setTimestamp(at);
        set(s.memoryWorkingSet(), v -> mem.setWorkingSetBytes(u(v)));
        set(s.memoryUsageBytes(), v -> mem.setUsageBytes(u(v)));
        set(s.memoryRss(), v -> mem.setRssBytes(u(v)));
        set(s.pageFaults(), v -> mem.setPageFaults(u(v)));
        set(s.majorPageFaults(), v -> mem.setMajorPageFaults(u(v)));
        b.setCpu(cpu).setMemory(mem);
        if (layer != null) {
            b.setWritableLayer(FilesystemUsage.newBuilder().setTimestamp(at)
                    .setFsId(FilesystemIdentifier.newBuilder().setMountpoint(layerDir))
                    .setUsedBytes(u(layer.size())).setInodesUsed(u(layer.inodes())));
        }
        return b.build();
    }

    /** The pod's CPU and memory: the sum over its containers of what each reports. */
    static dev.berth.api.cri.v1.PodSandboxStats podStats(dev.berth.api.cri.v1.PodSandboxStatus pod,
                                                         java.util.List<dev.berth.api.cri.v1.ContainerStats> containers, long at) {
        long cpu = 0;
        long workingSet = 0;
        long usage = 0;
        long rss = 0;
        for (dev.berth.api.cri.v1.ContainerStats c : containers) {
            cpu += c.getCpu().getUsageCoreNanoSeconds().getValue();
            workingSet += c.getMemory().getWorkingSetBytes().getValue();
            usage += c.getMemory().getUsageBytes().getValue();
            rss += c.getMemory().getRssBytes().getValue();
        }
        return dev.berth.api.cri.v1.PodSandboxStats.newBuilder()
                .setAttributes(dev.berth.api.cri.v1.PodSandboxAttributes.newBuilder().setId(pod.getId())
                        .setMetadata(pod.getMetadata()).putAllLabels(pod.getLabelsMap()).putAllAnnotations(pod.getAnnotationsMap()))
                .setLinux(dev.berth.api.cri.v1.LinuxPodSandboxStats.newBuilder()
                        .setCpu(CpuUsage.newBuilder().setTimestamp(at).setUsageCoreNanoSeconds(u(cpu)))
                        .setMemory(MemoryUsage.newBuilder().setTimestamp(at).setWorkingSetBytes(u(workingSet))
                                .setUsageBytes(u(usage)).setRssBytes(u(rss)))
                        .addAllContainers(containers))
                .build();
    }

    private static void set(long v, java.util.function.LongConsumer f) {
        if (v >= 0) {
            f.accept(v);
        }
    }

    private static UInt64Value u(long v) {
        return UInt64Value.newBuilder().setValue(v).build();
    }
}
