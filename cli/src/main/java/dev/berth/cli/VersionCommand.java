package dev.berth.cli;

import dev.berth.api.cri.v1.RuntimeServiceGrpc;
import dev.berth.api.cri.v1.VersionRequest;
import dev.berth.api.cri.v1.VersionResponse;
import dev.berth.core.client.UnixSocketChannel;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code berthctl version}: the runtime's CRI Version, as {@code crictl version} prints it. */
@Command(name = "version", description = "Print the runtime's name and version (CRI Version).")
final class VersionCommand implements Callable<Integer> {
    @ParentCommand
    BerthctlMain top;
    @Spec
    CommandSpec spec;
    @Option(names = {"-o", "--output"}, defaultValue = "table", description = "table or json")
    OutputFormat output;

    @Override
    public Integer call() {
        try (UnixSocketChannel ch = top.connect()) {
            VersionResponse v = RuntimeServiceGrpc.newBlockingStub(ch.channel())
                    .withDeadlineAfter(top.timeoutSeconds, TimeUnit.SECONDS)
                    .version(VersionRequest.newBuilder().setVersion("v1").build());
            var out = spec.commandLine().getOut();
            if (output == OutputFormat.json) {
                out.print(ProtoJson.write(v));
            } else {
                out.println("Version:  " + v.getVersion());
                out.println("RuntimeName:  " + v.getRuntimeName());
                out.println("RuntimeVersion:  " + v.getRuntimeVersion());
                out.println("RuntimeApiVersion:  " + v.getRuntimeApiVersion());
            }
            out.flush();
            return 0;
        }
    }
}
