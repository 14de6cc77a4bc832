package dev.berth.cli;

import dev.berth.api.cri.v1.ContainerStats;
import dev.berth.api.cri.v1.ContainerStatsFilter;
import dev.berth.api.cri.v1.ContainerStatusRequest;
import dev.berth.api.cri.v1.ListContainerStatsRequest;
import dev.berth.api.cri.v1.ListContainerStatsResponse;
import dev.berth.core.client.UnixSocketChannel;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code berthctl stats [ID...]}: ListContainerStats as a table. CPU % is the CPU time used between two samples
 * {@code --seconds} apart, in percent of one core (or the runtime's own usage_nano_cores when it gives one).
 */
@Command(name = "stats", description = "Show containers' resource use (CRI ListContainerStats): CONTAINER, NAME, CPU %%, MEM, "
        + "DISK, INODES.")
final class StatsCommand extends CriCommand {
    @Parameters(arity = "0..*", paramLabel = "ID", description = "Container ids or unique prefixes (default: all).")
    List<String> ids = List.of();
    @Option(names = {"-p", "--pod"}, description = "Only containers of this pod.")
    String pod;
    @Option(names = "--label", paramLabel = "KEY=VALUE", description = "Only containers with this label (repeatable).")
    List<String> labels = List.of();
    @Option(names = {"-s", "--seconds"}, defaultValue = "1", description = "Seconds between the two CPU samples (default ${DEFAULT-VALUE}).")
    int seconds;
    @Option(names = "--no-trunc", description = "Full ids.")
    boolean noTrunc;
    @Option(names = {"-o", "--output"}, defaultValue = "table", description = "table, json or yaml")
    OutputFormat output;

    @Override
    long deadlineSeconds() {
        return top.timeoutSeconds + seconds;
    }

    @Override
    int call(UnixSocketChannel ch) throws Exception {
        Set<String> wanted = new HashSet<>();
        for (String id : ids) { // an unknown id is an error naming it, not an empty table
            wanted.add(runtime(ch).containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id).build())
                    .getStatus().getId());
        }
        ContainerStatsFilter.Builder f = ContainerStatsFilter.newBuilder().putAllLabelSelector(Selectors.labels(spec, labels));
        if (pod != null) {
            f.setPodSandboxId(pod);
        }
        if (wanted.size() == 1) {
            f.setId(wanted.iterator().next());
        }
        ListContainerStatsRequest req = ListContainerStatsRequest.newBuilder().setFilter(f).build();
        List<ContainerStats> before = select(runtime(ch).listContainerStats(req), wanted);
        if (output.structured()) {
            output.print(out(), ProtoJson.write(ListContainerStatsResponse.newBuilder().addAllStats(before).build()));
            return 0;
        }
        Thread.sleep(seconds * 1000L);
        Map<String, ContainerStats> first = new HashMap<>();
        before.forEach(s -> first.put(s.getAttributes().getId(), s));
        Table t = new Table("CONTAINER", "NAME", "CPU %", "MEM", "DISK", "INODES");
        for (ContainerStats s : select(runtime(ch).listContainerStats(req), wanted)) {
            t.row(Display.shortId(s.getAttributes().getId(), noTrunc), s.getAttributes().getMetadata().getName(),
                    cpuPercent(first.get(s.getAttributes().getId()), s),
                    s.getMemory().hasWorkingSetBytes() ? ImageCommands.size(s.getMemory().getWorkingSetBytes().getValue()) : "-",
                    s.getWritableLayer().hasUsedBytes() ? ImageCommands.size(s.getWritableLayer().getUsedBytes().getValue()) : "-",
                    s.getWritableLayer().hasInodesUsed() ? Long.toUnsignedString(s.getWritableLayer().getInodesUsed().getValue())
                            : "-");
        }
        t.print(out());
        return 0;
    }

    private static List<ContainerStats> select(ListContainerStatsResponse r, Set<String> wanted) {
        return r.getStatsList().stream().filter(s -> wanted.isEmpty() || wanted.contains(s.getAttributes().getId())).toList();
    }

    /** Percent of one core between two samples; the runtime's usage_nano_cores if there is no earlier sample. */
    static String cpuPercent(ContainerStats before, ContainerStats after) {
        if (before != null && before.getCpu().hasUsageCoreNanoSeconds() && after.getCpu().hasUsageCoreNanoSeconds()) {
            long dt = after.getCpu().getTimestamp() - before.getCpu().getTimestamp();
            long used = after.getCpu().getUsageCoreNanoSeconds().getValue() - before.getCpu().getUsageCoreNanoSeconds().getValue();
            if (dt > 0 && used >= 0) {
                return Display.percent(100.0 * used / dt);
            }
        }
        if (after.getCpu().hasUsageNanoCores()) {
            return Display.percent(after.getCpu().getUsageNanoCores().getValue() / 1e7);
        }
        return "-";
    }
}
