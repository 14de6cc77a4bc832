package dev.berth.cli.streaming;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * The client side of a streamed exec or attach: opens the channel WebSocket at the URL the runtime returned, copies
 * the user's input to channel 0 and channels 1 and 2 to stdout and stderr, keeps the remote terminal's size in step
 * with the local one, and reads how the command ended from channel 3.
 */
public final class CommandSession {
    /** Best first: v5 can end stdin on its own; v4 is what runtimes before it speak. */
    static final List<String> PROTOCOLS = List.of("v5.channel.k8s.io", "v4.channel.k8s.io");
    static final String V5 = "v5.channel.k8s.io";
    /** Kubernetes clients send stdin in pieces of this size. */
    private static final int STDIN_CHUNK = 32 * 1024;
    /** The status report is a short JSON object; more than this on the error channel is cut. */
    private static final int MAX_REPORT = 64 * 1024;

    /** What the session is asked to carry. */
    public record Options(boolean stdin, boolean tty) {
    }

    /** The user's side: standard input, output and error. */
    public record Io(InputStream in, OutputStream out, OutputStream err) {
    }

    private final HttpClient http;
    private final Duration connectTimeout;
    private final Io io;

    public CommandSession(HttpClient http, Duration connectTimeout, Io io) {
        this.http = http;
        this.connectTimeout = connectTimeout;
        this.io = io;
    }

    /**
     * Runs the session at {@code url} to its end.
     *
     * @param terminal the local terminal for {@code -t} (null: none, or not a terminal); its size is sent at once and
     *                 on every change, and in raw mode when {@code raw}
     * @return how the remote command ended
     * @throws UpgradeRefused when the streaming server refuses the URL
     * @throws IOException    when the stream cannot be opened, or breaks before it reports an end
     */
    public ExitStatus run(String url, Options options, TerminalMode terminal, boolean raw)
            throws IOException, InterruptedException {
        URI uri;
        try {
            uri = StreamUrls.webSocket(url, "");
        } catch (URISyntaxException e) {
            throw new IOException("the runtime returned an unusable streaming URL " + url + ": " + e.getReason());
        }
        Output output = new Output();
        try (ChannelSession session = ChannelSession.open(http, uri, PROTOCOLS, output, connectTimeout)) {
            try {
                if (terminal != null) {
                    // Read and sent under one lock, so the last size sent is the last size read; the watch comes
                    // first, so a change at any moment after the first read is sent again.
                    Object sizeLock = new Object();
                    Runnable sendSize = () -> {
                        synchronized (sizeLock) {
                            terminal.size().ifPresent(s -> sendQuietly(session, ChannelFrames.RESIZE,
                                    s.json().getBytes(StandardCharsets.US_ASCII)));
                        }
                    };
                    terminal.watchResize(sendSize);
                    if (raw) {
                        terminal.enterRaw();
                    }
                    sendSize.run(); // first thing after the upgrade: a terminal exec waits briefly for it
                }
                if (options.stdin()) {
                    Thread pump = new Thread(() -> copyStdin(session), "berthctl-stdin");
                    pump.setDaemon(true); // a read of the user's stdin cannot be interrupted; exiting ends it
                    pump.start();
                }
                Throwable broken = session.awaitEnd();
                flushQuietly();
                String report = output.report();
                if (broken != null && report.isEmpty()) {
                    throw new IOException("the stream broke before the command ended: "
                            + (broken.getMessage() == null ? broken.toString() : broken.getMessage()), broken);
                }
                return ExitStatus.parse(report);
            } finally {
                if (terminal != null) {
                    terminal.close();
                }
            }
        }
    }

    private void copyStdin(ChannelSession session) {
        byte[] buf = new byte[STDIN_CHUNK];
        try {
            for (int n; (n = io.in().read(buf)) >= 0; ) {
                if (n > 0) {
                    session.send(ChannelFrames.STDIN, buf, 0, n);
                }
            }
            if (V5.equals(session.subprotocol())) {
                session.closeChannel(ChannelFrames.STDIN);
            }
        } catch (IOException e) {
            // the session ended (or stdin failed): nothing more to send
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sendQuietly(ChannelSession session, int channel, byte[] data) {
        try {
            session.send(channel, data, 0, data.length);
        } catch (IOException e) {
            // the session is over; a size no longer matters
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void flushQuietly() {
        try {
            io.out().flush();
            io.err().flush();
        } catch (IOException e) {
            // nothing to flush to
        }
    }

    /** Routes received channels: output to the user, the error channel kept for the end. */
    private final class Output implements ChannelSession.Receiver {
        private final ByteArrayOutputStream report = new ByteArrayOutputStream();

        @Override
        public boolean received(int channel, ByteBuffer data) throws IOException {
            switch (channel) {
                case ChannelFrames.STDOUT -> write(io.out(), data);
                case ChannelFrames.STDERR -> write(io.err(), data);
                case ChannelFrames.ERROR -> {
                    synchronized (report) {
                        int room = MAX_REPORT - report.size();
                        int n = Math.min(room, data.remaining());
                        byte[] b = new byte[n];
                        data.get(b);
                        report.write(b, 0, n);
                    }
                }
                default -> {
                    // no other channel carries anything for us
                }
            }
            return true;
        }

        String report() {
            synchronized (report) {
                return report.toString(StandardCharsets.UTF_8);
            }
        }

        private void write(OutputStream out, ByteBuffer data) throws IOException {
            if (!data.hasRemaining()) {
                return; // the ready message
            }
            if (data.hasArray()) {
                out.write(data.array(), data.arrayOffset() + data.position(), data.remaining());
            } else {
                byte[] b = new byte[data.remaining()];
                data.get(b);
                out.write(b);
            }
            out.flush();
        }
    }
}
