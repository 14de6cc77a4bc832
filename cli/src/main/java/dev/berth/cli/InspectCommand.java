package dev.berth.cli;

import dev.berth.api.cri.v1.ContainerStatusRequest;
import dev.berth.api.cri.v1.ContainerStatusResponse;
import dev.berth.core.client.UnixSocketChannel;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code berthctl inspect ID...}: ContainerStatus (verbose) as JSON. */
@Command(name = "inspect", description = "Show containers' status (CRI ContainerStatus, verbose: pid, spec, …) as JSON or YAML.")
final class InspectCommand extends CriCommand {
    @Parameters(arity = "1..*", paramLabel = "ID", description = "Container ids or unique prefixes.")
    List<String> ids;
    @Option(names = {"-o", "--output"}, defaultValue = "json", description = "json or yaml")
    OutputFormat output;

    @Override
    int call(UnixSocketChannel ch) throws Exception {
        return eachId(ids, id -> {
            ContainerStatusResponse r = runtime(ch).containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id)
                    .setVerbose(true).build());
            printDocument(output, StatusJson.write(r.getStatus(), r.getInfoMap()), ids.size() > 1);
        });
    }
}
