package dev.berth.cli;

import dev.berth.api.cri.v1.PodSandboxConfig;
import dev.berth.api.cri.v1.RunPodSandboxRequest;
import dev.berth.core.client.UnixSocketChannel;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code berthctl runp POD_CONFIG.json}: RunPodSandbox; prints the pod id. */
@Command(name = "runp", description = "Run a pod sandbox from a PodSandboxConfig in the CRI's JSON form (CRI RunPodSandbox); "
        + "print its id.")
final class RunpCommand extends CriCommand {
    @Parameters(paramLabel = "POD_CONFIG.json")
    Path config;
    @Option(names = "--runtime", paramLabel = "HANDLER", defaultValue = "", description = "Runtime handler (default: the runtime's).")
    String handler;

    @Override
    long deadlineSeconds() {
        return Math.max(top.timeoutSeconds, 240); // the kubelet's own RunPodSandbox budget
    }

    @Override
    int call(UnixSocketChannel ch) throws Exception {
        PodSandboxConfig pod = ProtoJsonReader.readFile(config, PodSandboxConfig.getDefaultInstance());
        out().println(runtime(ch).runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(pod).setRuntimeHandler(handler)
                .build()).getPodSandboxId());
        return 0;
    }
}
