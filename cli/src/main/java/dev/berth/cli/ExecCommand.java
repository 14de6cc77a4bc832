package dev.berth.cli;

import dev.berth.api.cri.v1.ExecSyncRequest;
import dev.berth.api.cri.v1.ExecSyncResponse;
import dev.berth.core.client.UnixSocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code berthctl exec ID CMD [ARG...]}: ExecSync only. Prints the command's stdout and stderr and exits with its exit
 * code. Interactive exec (-i/-t) goes through the streaming server, which berthctl does not speak yet.
 */
@Command(name = "exec", description = "Run a command in a running container (CRI ExecSync); print its output and exit with "
        + "its exit code.")
final class ExecCommand extends CriCommand {
    static final String NO_STREAMING = "interactive exec needs the streaming server (issue #8)";

    @Option(names = "--timeout", defaultValue = "0", paramLabel = "SECONDS",
            description = "Kill the command after this long (default 0: no limit).")
    long seconds;
    @Option(names = {"-s", "--sync"}, description = "Run synchronously (the only way berthctl runs commands).")
    boolean sync;
    @Option(names = {"-i", "--interactive"}, description = "Keep stdin open (not supported yet).")
    boolean interactive;
    @Option(names = {"-t", "--tty"}, description = "Allocate a tty (not supported yet).")
    boolean tty;
    @Parameters(index = "0", paramLabel = "ID", description = "Container id or unique prefix.")
    String id;
    @Parameters(index = "1..*", arity = "1..*", paramLabel = "CMD", description = "The command and its arguments.")
    List<String> command;

    @Override
    long deadlineSeconds() {
        return seconds > 0 ? top.timeoutSeconds + seconds : 7L * 24 * 3600; // no limit: the user's Ctrl-C bounds it
    }

    @Override
    int call(UnixSocketChannel ch) {
        if (interactive || tty) {
            err().println("berthctl: " + NO_STREAMING);
            return 1;
        }
        ExecSyncResponse r = runtime(ch).execSync(ExecSyncRequest.newBuilder().setContainerId(id).addAllCmd(command)
                .setTimeout(seconds).build());
        out().print(r.getStdout().toString(StandardCharsets.UTF_8));
        out().flush();
        err().print(r.getStderr().toString(StandardCharsets.UTF_8));
        err().flush();
        return r.getExitCode();
    }
}
