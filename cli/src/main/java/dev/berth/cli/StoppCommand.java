package dev.berth.cli;

import dev.berth.api.cri.v1.PodSandboxStatusRequest;
import dev.berth.api.cri.v1.StopPodSandboxRequest;
import dev.berth.core.client.UnixSocketChannel;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code berthctl stopp POD...}; each id is looked up first, since StopPodSandbox succeeds for an absent one. */
@Command(name = "stopp", description = "Stop pod sandboxes and their containers (CRI StopPodSandbox).")
final class StoppCommand extends CriCommand {
    @Parameters(arity = "1..*", paramLabel = "POD", description = "Pod ids or unique prefixes.")
    List<String> ids;

    @Override
    long deadlineSeconds() {
        return Math.max(top.timeoutSeconds, 120);
    }

    @Override
    int call(UnixSocketChannel ch) throws Exception {
        return eachId(ids, id -> {
            String full = runtime(ch).podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(id).build())
                    .getStatus().getId();
            runtime(ch).stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(full).build());
            out().println("Stopped sandbox " + id);
        });
    }
}
