package dev.berth.cli;

import dev.berth.api.admin.v1.AdminGrpc;
import dev.berth.api.admin.v1.ListPluginsRequest;
import dev.berth.api.admin.v1.ListPluginsResponse;
import dev.berth.api.admin.v1.Plugin;
import dev.berth.core.client.UnixSocketChannel;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code berthctl plugins}: Berth's plugins and their states (Berth only: it uses the admin API). */
@Command(name = "plugins", description = "Berth plugins.", subcommands = PluginsCommand.Ls.class)
final class PluginsCommand {
    @ParentCommand
    BerthctlMain top;

    /** {@code berthctl plugins ls}. */
    @Command(name = "ls", aliases = "list", description = "List plugins: TYPE, ID, STATUS (ok/skipped/error), REASON.")
    static final class Ls implements Callable<Integer> {
        @ParentCommand
        PluginsCommand parent;
        @Spec
        CommandSpec spec;
        @Option(names = {"-o", "--output"}, defaultValue = "table", description = "table, json or yaml")
        OutputFormat output;
        @Option(names = "--type", defaultValue = "", description = "Only plugins whose type starts with this.")
        String type;

        @Override
        public Integer call() {
            BerthctlMain top = parent.top;
            try (UnixSocketChannel ch = top.connect()) {
                ListPluginsResponse resp = AdminGrpc.newBlockingStub(ch.channel())
                        .withDeadlineAfter(top.timeoutSeconds, TimeUnit.SECONDS)
                        .listPlugins(ListPluginsRequest.newBuilder().setTypePrefix(type).build());
                var out = spec.commandLine().getOut();
                if (output.structured()) {
                    output.print(out, ProtoJson.write(resp));
                } else {
                    Table t = new Table("TYPE", "ID", "STATUS", "REASON");
                    for (Plugin p : resp.getPluginsList()) {
                        t.row(p.getType(), p.getId(), p.getStatus(), p.getReason());
                    }
                    t.print(out);
                }
                out.flush();
                return 0;
            }
        }
    }
}
