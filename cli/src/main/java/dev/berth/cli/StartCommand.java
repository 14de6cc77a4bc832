package dev.berth.cli;

import dev.berth.api.cri.v1.StartContainerRequest;
import dev.berth.core.client.UnixSocketChannel;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code berthctl start ID...}. */
@Command(name = "start", description = "Start created containers (CRI StartContainer).")
final class StartCommand extends CriCommand {
    @Parameters(arity = "1..*", paramLabel = "ID", description = "Container ids or unique prefixes.")
    List<String> ids;

    @Override
    int call(UnixSocketChannel ch) throws Exception {
        return eachId(ids, id -> {
            runtime(ch).startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
            out().println(id);
        });
    }
}
