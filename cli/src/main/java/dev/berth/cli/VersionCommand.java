package dev.berth.cli;

import dev.berth.api.cri.v1.VersionRequest;
import dev.berth.api.cri.v1.VersionResponse;
import dev.berth.core.client.UnixSocketChannel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code berthctl version}: the runtime's CRI Version, as {@code crictl version} prints it. */
@Command(name = "version", description = "Print the runtime's name and version (CRI Version).")
final class VersionCommand extends CriCommand {
    @Option(names = {"-o", "--output"}, defaultValue = "table", description = "table, json or yaml")
    OutputFormat output;

    @Override
    int call(UnixSocketChannel ch) {
        VersionResponse v = runtime(ch).version(VersionRequest.newBuilder().setVersion("v1").build());
        if (output.structured()) {
            output.print(out(), ProtoJson.write(v));
        } else {
            out().println("Version:  " + v.getVersion());
            out().println("RuntimeName:  " + v.getRuntimeName());
            out().println("RuntimeVersion:  " + v.getRuntimeVersion());
            out().println("RuntimeApiVersion:  " + v.getRuntimeApiVersion());
        }
        return 0;
    }
}
