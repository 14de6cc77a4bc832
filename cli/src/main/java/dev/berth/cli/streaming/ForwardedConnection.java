package dev.berth.cli.streaming;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * One local connection forwarded into the pod: its own CRI PortForward URL and WebSocket ({@code ?port=REMOTE}),
 * channel 0 for the data and channel 1 for the runtime's error. Each channel first carries the port (2 bytes), which
 * is skipped. The local client's bytes go out as they come; the pod's come back through the WebSocket listener,
 * which writes them to the local socket before it asks for more.
 *
 * <p>The v4 protocol cannot pass on a half-close, so when the local client stops sending the connection lives on
 * while the pod still sends, and is closed after {@link #LINGER} without anything from the pod.
 */
final class ForwardedConnection implements Runnable {
    static final String PROTOCOL = "v4.channel.k8s.io";
    static final Duration LINGER = Duration.ofSeconds(30);
    private static final int DATA = 0;
    private static final int ERROR = 1;
    private static final int CHUNK = 32 * 1024;

    private final Socket local;
    private final PortForwarder.Listening listening;
    private final int remote;
    private final PortForwarder.UrlSource urls;
    private final HttpClient http;
    private final Duration timeout;
    private final PortForwarder.Reporter reporter;
    private final Consumer<Exception> onTargetGone;
    private volatile long lastFromPod = System.nanoTime();

    ForwardedConnection(Socket local, PortForwarder.Listening listening, PortForwarder.UrlSource urls, HttpClient http, Duration timeout,
                        PortForwarder.Reporter reporter, Consumer<Exception> onTargetGone) {
        this.local = local;
        this.listening = listening;
        this.remote = listening.mapping().remote();
        this.urls = urls;
        this.http = http;
        this.timeout = timeout;
        this.reporter = reporter;
        this.onTargetGone = onTargetGone;
    }

    @Override
    public void run() {
        try (Socket s = local) {
            s.setTcpNoDelay(true);
            URI uri;
            try {
                uri = StreamUrls.webSocket(urls.next(remote), "port=" + remote);
            } catch (PortForwarder.TargetGone e) {
                onTargetGone.accept(e); // reported once, as berthctl's own failure
                return;
            }
            InputStream fromLocal = s.getInputStream(); // taken now: the socket may be closed under the copy below
            FromPod fromPod = new FromPod(s.getOutputStream());
            try (ChannelSession session = ChannelSession.open(http, uri, List.of(PROTOCOL), fromPod, timeout)) {
                // The pod's side ended: closing the local socket ends the copy below.
                session.ended().whenComplete((v, e) -> closeQuietly(s));
                copyToPod(fromLocal, session);
                awaitPod(session);
                if (fromPod.error != null) {
                    reporter.failed(listening, new IOException(fromPod.error));
                }
            }
        } catch (Exception e) {
            reporter.failed(listening, e);
        }
    }

    private void copyToPod(InputStream in, ChannelSession session) throws InterruptedException {
        byte[] buf = new byte[CHUNK];
        try {
            for (int n; (n = in.read(buf)) >= 0; ) {
                if (n > 0) {
                    session.send(DATA, buf, 0, n);
                }
            }
        } catch (IOException e) {
            // either side closed: the connection is over, or the pod's answer is still coming
        }
    }

    /** After the local client stopped sending: wait while the pod still answers, at most {@link #LINGER} of silence. */
    private void awaitPod(ChannelSession session) throws InterruptedException {
        while (!session.ended().isDone() && !local.isClosed()) {
            if (System.nanoTime() - lastFromPod > LINGER.toNanos()) {
                return;
            }
            try {
                session.ended().get(1, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                // checked again above
            }
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    /** The pod's side: data to the local socket, the 2-byte port headers skipped, an error ending the connection. */
    private final class FromPod implements ChannelSession.Receiver {
        private final OutputStream out;
        private int dataHeader = 2;
        private int errorHeader = 2;
        private volatile String error;

        FromPod(OutputStream out) {
            this.out = out;
        }

        @Override
        public boolean received(int channel, ByteBuffer data) throws IOException {
            lastFromPod = System.nanoTime();
            if (channel == DATA) {
                int skip = Math.min(dataHeader, data.remaining());
                dataHeader -= skip;
                data.position(data.position() + skip);
                if (data.hasRemaining()) {
                    byte[] b = new byte[data.remaining()];
                    data.get(b);
                    out.write(b);
                    out.flush();
                }
                return true;
            }
            if (channel == ERROR) {
                int skip = Math.min(errorHeader, data.remaining());
                errorHeader -= skip;
                data.position(data.position() + skip);
                if (data.hasRemaining()) {
                    error = StandardCharsets.UTF_8.decode(data).toString();
                    return false;
                }
            }
            return true;
        }
    }
}
