package dev.berth.cli;

import dev.berth.api.cri.v1.ContainerState;
import dev.berth.api.cri.v1.ContainerStatus;
import dev.berth.api.cri.v1.ContainerStatusRequest;
import dev.berth.api.cri.v1.RemoveContainerRequest;
import dev.berth.api.cri.v1.StopContainerRequest;
import dev.berth.core.client.UnixSocketChannel;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code berthctl rm [-f] ID...}. RemoveContainer succeeds for an absent id, so each id is looked up first: an
 * unknown one is an error naming it, and a running one is refused unless {@code -f}.
 */
@Command(name = "rm", description = "Remove containers (CRI RemoveContainer); a running one only with -f, which stops it first.")
final class RmCommand extends CriCommand {
    @Option(names = {"-f", "--force"}, description = "Stop a running container (at once) before removing it.")
    boolean force;
    @Parameters(arity = "1..*", paramLabel = "ID", description = "Container ids or unique prefixes.")
    List<String> ids;

    @Override
    int call(UnixSocketChannel ch) throws Exception {
        return eachId(ids, id -> {
            ContainerStatus s = runtime(ch).containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id).build())
                    .getStatus();
            if (s.getState() == ContainerState.CONTAINER_RUNNING) {
                if (!force) {
                    throw new Refused("container " + id + " is running: stop it first, or use rm -f");
                }
                runtime(ch).stopContainer(StopContainerRequest.newBuilder().setContainerId(s.getId()).setTimeout(0).build());
            }
            runtime(ch).removeContainer(RemoveContainerRequest.newBuilder().setContainerId(s.getId()).build());
            out().println(id);
        });
    }
}
