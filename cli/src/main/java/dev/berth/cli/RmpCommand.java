package dev.berth.cli;

import dev.berth.api.cri.v1.PodSandboxState;
import dev.berth.api.cri.v1.PodSandboxStatus;
import dev.berth.api.cri.v1.PodSandboxStatusRequest;
import dev.berth.api.cri.v1.RemovePodSandboxRequest;
import dev.berth.api.cri.v1.StopPodSandboxRequest;
import dev.berth.core.client.UnixSocketChannel;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code berthctl rmp [-f] POD...}: a ready pod is refused unless {@code -f}, which stops it first. */
@Command(name = "rmp", description = "Remove pod sandboxes and their containers (CRI RemovePodSandbox); a ready pod only "
        + "with -f, which stops it first.")
final class RmpCommand extends CriCommand {
    @Option(names = {"-f", "--force"}, description = "Stop a ready pod before removing it.")
    boolean force;
    @Parameters(arity = "1..*", paramLabel = "POD", description = "Pod ids or unique prefixes.")
    List<String> ids;

    @Override
    long deadlineSeconds() {
        return Math.max(top.timeoutSeconds, 120);
    }

    @Override
    int call(UnixSocketChannel ch) throws Exception {
        return eachId(ids, id -> {
            PodSandboxStatus s = runtime(ch).podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(id).build())
                    .getStatus();
            if (s.getState() == PodSandboxState.SANDBOX_READY) {
                if (!force) {
                    throw new Refused("pod " + id + " is ready: stop it first (stopp), or use rmp -f");
                }
                runtime(ch).stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(s.getId()).build());
            }
            runtime(ch).removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(s.getId()).build());
            out().println("Removed sandbox " + id);
        });
    }
}
