package dev.berth.cli;

import dev.berth.core.client.UnixSocketChannel;
import dev.berth.core.logging.LogSetup;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code berthctl}: a node operator's tool. It speaks CRI to the runtime socket like crictl (so it works against
 * containerd and CRI-O too) and Berth's admin API for what CRI cannot tell.
 */
@Command(name = "berthctl", mixinStandardHelpOptions = true, versionProvider = BerthctlMain.ClientVersion.class,
        description = "Inspect and drive a CRI runtime (Berth, containerd, CRI-O) on this node.",
        subcommands = {VersionCommand.class, InfoCommand.class, ImageCommands.Images.class, ImageCommands.Pull.class,
                ImageCommands.Rmi.class, ImageCommands.Inspecti.class, PodsCommand.class, PsCommand.class, RunpCommand.class,
                CreateCommand.class, StartCommand.class, StopCommand.class, RmCommand.class, StoppCommand.class,
                RmpCommand.class, ExecCommand.class, AttachCommand.class, PortForwardCommand.class, LogsCommand.class,
                InspectCommand.class, InspectpCommand.class, StatsCommand.class, PluginsCommand.class, ConfigCommand.class, CompletionCommand.class,
                CommandLine.HelpCommand.class})
public final class BerthctlMain {
    static final String DEFAULT_ENDPOINT = "unix:///run/berth/berth.sock";

    @Option(names = {"-r", "--runtime-endpoint"}, scope = ScopeType.INHERIT, paramLabel = "ENDPOINT",
            defaultValue = "${env:CONTAINER_RUNTIME_ENDPOINT:-" + DEFAULT_ENDPOINT + "}",
            description = "CRI socket (default: $CONTAINER_RUNTIME_ENDPOINT or ${DEFAULT-VALUE}).")
    String endpoint;

    // Not inherited: as in crictl, it goes before the command, so that `stop -t`, `exec -t/--timeout` and
    // `logs -t` keep crictl's meanings.
    @Option(names = {"-t", "--timeout"}, defaultValue = "10",
            description = "Seconds to wait for the runtime (default ${DEFAULT-VALUE}); give it before the command.")
    long timeoutSeconds;

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out), new PrintWriter(System.err)));
    }

    /** Runs berthctl with the given streams; returns the exit status. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        LogSetup.configure("warn", "text"); // library chatter must not mix with output meant for scripts
        CommandLine cl = new CommandLine(new BerthctlMain());
        cl.setOut(out);
        cl.setErr(err);
        cl.getSubcommands().get("exec").setStopAtPositional(true); // exec ID sh -c '…' needs no "--"
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("berthctl: " + Errors.describe(e));
            cmd.getErr().flush();
            return 1;
        });
        int rc = cl.execute(args);
        out.flush();
        err.flush();
        return rc;
    }

    UnixSocketChannel connect() {
        return new UnixSocketChannel(UnixSocketChannel.parseEndpoint(endpoint));
    }

    Path socket() {
        return UnixSocketChannel.parseEndpoint(endpoint);
    }

    /** The client's own version for {@code --version}. */
    static final class ClientVersion implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"berthctl " + dev.berth.core.daemon.BuildInfo.load().version()};
        }
    }
}
