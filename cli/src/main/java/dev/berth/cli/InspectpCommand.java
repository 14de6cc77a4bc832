package dev.berth.cli;

import dev.berth.api.cri.v1.PodSandboxStatusRequest;
import dev.berth.api.cri.v1.PodSandboxStatusResponse;
import dev.berth.core.client.UnixSocketChannel;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code berthctl inspectp POD...}: PodSandboxStatus (verbose) as JSON. */
@Command(name = "inspectp", description = "Show pod sandboxes' status (CRI PodSandboxStatus, verbose) as JSON or YAML.")
final class InspectpCommand extends CriCommand {
    @Parameters(arity = "1..*", paramLabel = "POD", description = "Pod ids or unique prefixes.")
    List<String> ids;
    @Option(names = {"-o", "--output"}, defaultValue = "json", description = "json or yaml")
    OutputFormat output;

    @Override
    int call(UnixSocketChannel ch) throws Exception {
        return eachId(ids, id -> {
            PodSandboxStatusResponse r = runtime(ch).podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(id)
                    .setVerbose(true).build());
            printDocument(output, StatusJson.write(r.getStatus(), r.getInfoMap()), ids.size() > 1);
        });
    }
}
