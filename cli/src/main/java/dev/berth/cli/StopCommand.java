package dev.berth.cli;

import dev.berth.api.cri.v1.StopContainerRequest;
import dev.berth.core.client.UnixSocketChannel;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code berthctl stop [-t SECONDS] ID...}. */
@Command(name = "stop", description = "Stop running containers (CRI StopContainer): the stop signal, then SIGKILL after "
        + "the timeout.")
final class StopCommand extends CriCommand {
    @Option(names = {"-t", "--timeout"}, defaultValue = "0",
            description = "Seconds to wait before SIGKILL (default ${DEFAULT-VALUE}, as crictl).")
    long seconds;
    @Parameters(arity = "1..*", paramLabel = "ID", description = "Container ids or unique prefixes.")
    List<String> ids;

    @Override
    long deadlineSeconds() {
        return top.timeoutSeconds + seconds;
    }

    @Override
    int call(UnixSocketChannel ch) throws Exception {
        return eachId(ids, id -> {
            runtime(ch).stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(seconds).build());
            out().println(id);
        });
    }
}
