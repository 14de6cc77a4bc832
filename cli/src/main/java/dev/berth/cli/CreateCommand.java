package dev.berth.cli;

import dev.berth.api.cri.v1.ContainerConfig;
import dev.berth.api.cri.v1.CreateContainerRequest;
import dev.berth.api.cri.v1.PodSandboxConfig;
import dev.berth.core.client.UnixSocketChannel;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code berthctl create POD CONTAINER_CONFIG.json POD_CONFIG.json}: CreateContainer; prints the container id. */
@Command(name = "create", description = "Create a container in a pod from a ContainerConfig and the pod's PodSandboxConfig, "
        + "both in the CRI's JSON form (CRI CreateContainer); print its id. The image must be pulled.")
final class CreateCommand extends CriCommand {
    @Parameters(index = "0", paramLabel = "POD", description = "Pod id or unique prefix.")
    String pod;
    @Parameters(index = "1", paramLabel = "CONTAINER_CONFIG.json")
    Path containerConfig;
    @Parameters(index = "2", paramLabel = "POD_CONFIG.json")
    Path podConfig;

    @Override
    long deadlineSeconds() {
        return Math.max(top.timeoutSeconds, 240);
    }

    @Override
    int call(UnixSocketChannel ch) throws Exception {
        ContainerConfig c = ProtoJsonReader.readFile(containerConfig, ContainerConfig.getDefaultInstance());
        PodSandboxConfig p = ProtoJsonReader.readFile(podConfig, PodSandboxConfig.getDefaultInstance());
        out().println(runtime(ch).createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(pod).setConfig(c)
                .setSandboxConfig(p).build()).getContainerId());
        return 0;
    }
}
