package dev.berth.cli;

import dev.berth.api.cri.v1.AttachRequest;
import dev.berth.core.client.UnixSocketChannel;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code berthctl attach [-i] [-t] ID}: CRI Attach and a session on the streaming server with the container's own
 * output (and, with -i, its stdin). Ends when the container's output does, or on Ctrl-C; leaving does not stop the
 * container.
 */
@Command(name = "attach", description = "Attach to a running container's output and, with -i, its stdin (CRI Attach).")
final class AttachCommand extends CriCommand {
    @Option(names = {"-i", "--stdin"}, description = "Pass stdin to the container (it must have been created with stdin).")
    boolean stdin;
    @Option(names = {"-t", "--tty"}, description = "The container runs in a terminal (it must have been created with tty).")
    boolean tty;
    @Parameters(paramLabel = "ID", description = "Container id or unique prefix.")
    String id;

    @Override
    int call(UnixSocketChannel ch) throws Exception {
        String url = runtime(ch).attach(AttachRequest.newBuilder().setContainerId(id).setStdin(stdin).setStdout(true)
                .setStderr(!tty).setTty(tty).build()).getUrl();
        int code = new StreamedSession(Duration.ofSeconds(top.timeoutSeconds), err()).run(url, stdin, tty);
        // Attach reports no exit code of its own (the container's is in `ps -a`/`inspect`); only failures count.
        return code == 0 ? 0 : 1;
    }
}
