package dev.berth.cli;

import dev.berth.cli.streaming.CommandSession;
import dev.berth.cli.streaming.ExitStatus;
import dev.berth.cli.streaming.TerminalMode;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.http.HttpClient;
import java.time.Duration;

/**
 * What exec -i/-t and attach share once the runtime has given a streaming URL: the user's stdin, stdout and stderr
 * on the session, the terminal (raw only when keys go to the remote side, so that Ctrl-C still stops a session that
 * reads no input), and the end reported as berthctl's exit code.
 */
final class StreamedSession {
    private final Duration connectTimeout;
    private final PrintWriter err;

    StreamedSession(Duration connectTimeout, PrintWriter err) {
        this.connectTimeout = connectTimeout;
        this.err = err;
    }

    /** Runs the session at {@code url}; returns the remote command's exit code (1 for a failure without one). */
    int run(String url, boolean stdin, boolean tty) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(connectTimeout).build();
        TerminalMode terminal = tty && TerminalMode.stdinIsTerminal() ? new TerminalMode() : null;
        // The descriptors themselves rather than System.out/err, whose PrintStreams hide write errors: when the reader
        // of our output goes away (`| head`), the session should end as a SIGPIPE would end it.
        CommandSession session = new CommandSession(http, connectTimeout, new CommandSession.Io(System.in,
                new FileOutputStream(FileDescriptor.out), new FileOutputStream(FileDescriptor.err)));
        ExitStatus end = session.run(url, new CommandSession.Options(stdin, tty), terminal, terminal != null && stdin);
        if (!end.message().isEmpty()) {
            err.println("berthctl: " + end.message());
            err.flush();
        }
        return end.code();
    }
}
