package dev.berth.cli;

import dev.berth.api.cri.v1.RuntimeCondition;
import dev.berth.api.cri.v1.StatusRequest;
import dev.berth.api.cri.v1.StatusResponse;
import dev.berth.core.client.UnixSocketChannel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code berthctl info}: the runtime's CRI Status; exit 1 when it is not ready. */
@Command(name = "info", description = "Print the runtime's readiness conditions (CRI Status); exit 1 if not ready.")
final class InfoCommand extends CriCommand {
    @Option(names = {"-o", "--output"}, defaultValue = "table", description = "table, json or yaml")
    OutputFormat output;
    @Option(names = {"-v", "--verbose"}, description = "Also ask for the runtime's verbose info (its effective config…).")
    boolean verbose;

    @Override
    int call(UnixSocketChannel ch) {
        StatusResponse s = runtime(ch).status(StatusRequest.newBuilder().setVerbose(verbose || output.structured()).build());
        if (output.structured()) {
            output.print(out(), StatusJson.embedInfo(s));
        } else {
            Table t = new Table("CONDITION", "STATUS", "REASON", "MESSAGE");
            for (RuntimeCondition c : s.getStatus().getConditionsList()) {
                t.row(c.getType(), String.valueOf(c.getStatus()), c.getReason(), c.getMessage());
            }
            t.print(out());
            if (verbose) {
                s.getInfoMap().forEach((k, v) -> out().println(k + ": " + v));
            }
        }
        return s.getStatus().getConditionsList().stream().allMatch(RuntimeCondition::getStatus) ? 0 : 1;
    }
}
