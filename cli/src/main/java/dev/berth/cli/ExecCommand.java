package dev.berth.cli;

import dev.berth.api.cri.v1.ExecRequest;
import dev.berth.api.cri.v1.ExecSyncRequest;
import dev.berth.api.cri.v1.ExecSyncResponse;
import dev.berth.core.client.UnixSocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code berthctl exec [-i] [-t] [--timeout SECONDS] ID CMD [ARG...]}. Without -i/-t: CRI ExecSync, printing the
 * command's stdout and stderr. With -i and/or -t: CRI Exec and a session on the runtime's streaming server, with the
 * user's stdin (-i) and a terminal (-t). Either way berthctl exits with the command's exit code.
 */
@Command(name = "exec", description = "Run a command in a running container and exit with its exit code: CRI ExecSync, "
        + "or with -i/-t CRI Exec through the streaming server.")
final class ExecCommand extends CriCommand {
    @Option(names = "--timeout", defaultValue = "0", paramLabel = "SECONDS",
            description = "ExecSync only: kill the command after this long (default 0: no limit).")
    long seconds;
    @Option(names = {"-s", "--sync"}, description = "Run through ExecSync (the default without -i/-t).")
    boolean sync;
    @Option(names = {"-i", "--interactive"}, description = "Pass stdin to the command (streamed exec).")
    boolean interactive;
    @Option(names = {"-t", "--tty"}, description = "Run the command in a terminal (streamed exec); stderr joins stdout.")
    boolean tty;
    @Parameters(index = "0", paramLabel = "ID", description = "Container id or unique prefix.")
    String id;
    @Parameters(index = "1..*", arity = "1..*", paramLabel = "CMD", description = "The command and its arguments.")
    List<String> command;

    private boolean streamed() {
        return interactive || tty;
    }

    @Override
    long deadlineSeconds() {
        if (streamed()) {
            return top.timeoutSeconds; // only the Exec call: the session itself lasts as long as the command
        }
        return seconds > 0 ? top.timeoutSeconds + seconds : 7L * 24 * 3600; // no limit: the user's Ctrl-C bounds it
    }

    @Override
    int call(UnixSocketChannel ch) throws Exception {
        if (streamed()) {
            if (sync) {
                throw new Refused("exec: -s/--sync cannot be combined with -i or -t");
            }
            if (seconds > 0) {
                throw new Refused("exec: --timeout applies to ExecSync only, not with -i or -t");
            }
            String url = runtime(ch).exec(ExecRequest.newBuilder().setContainerId(id).addAllCmd(command)
                    .setStdin(interactive).setStdout(true).setStderr(!tty).setTty(tty).build()).getUrl();
            return new StreamedSession(Duration.ofSeconds(top.timeoutSeconds), err()).run(url, interactive, tty);
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
