package dev.berth.cli.streaming;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A channel WebSocket to a streaming server (exec, attach, port-forward) over java.net.http.WebSocket. Received
 * messages are put back together from their parts and handed to a {@link Receiver} one at a time; the next is asked
 * for only when the receiver has returned, so a slow reader (a full pipe, a local socket) slows the server down
 * instead of filling memory. Sends go out one at a time and wait until written, which bounds what is buffered here
 * the same way.
 */
public final class ChannelSession implements AutoCloseable {
    /** Largest message accepted from the server; output comes in far smaller pieces. */
    static final int MAX_MESSAGE = 16 << 20;
    private static final long SEND_POLL_MILLIS = 500;
    private static final int ABNORMAL_CLOSURE = 1006;
    /** How long closing waits for the client's answer to the server's close to be written. */
    private static final long CLOSE_ANSWER_MILLIS = 1000;

    /** Gets each whole message; runs on the HTTP client's threads, never two at a time. */
    @FunctionalInterface
    public interface Receiver {
        /** Handles one message; returns false to end the session at once. */
        boolean received(int channel, ByteBuffer data) throws IOException;
    }

    private final WebSocket ws;
    private final Listener listener;
    private final Object sendLock = new Object();

    private ChannelSession(WebSocket ws, Listener listener) {
        this.ws = ws;
        this.listener = listener;
    }

    /**
     * Opens the WebSocket at {@code uri} offering {@code subprotocols} (best first).
     *
     * @throws UpgradeRefused when the server answers with another status than 101
     * @throws IOException    when it cannot be reached or does not answer within {@code timeout}
     */
    public static ChannelSession open(HttpClient http, URI uri, List<String> subprotocols, Receiver receiver, Duration timeout)
            throws IOException, InterruptedException {
        Listener listener = new Listener(receiver);
        WebSocket.Builder b = http.newWebSocketBuilder().connectTimeout(timeout);
        if (!subprotocols.isEmpty()) {
            b.subprotocols(subprotocols.get(0), subprotocols.subList(1, subprotocols.size()).toArray(String[]::new));
        }
        CompletableFuture<WebSocket> opening = b.buildAsync(uri, listener);
        try {
            return new ChannelSession(opening.get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS), listener);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof WebSocketHandshakeException h) {
                Object body = h.getResponse().body();
                throw new UpgradeRefused(h.getResponse().statusCode(), body instanceof String s ? s : "");
            }
            throw new IOException("cannot open the stream at " + uri.getHost() + ":" + uri.getPort() + ": "
                    + (cause.getMessage() == null ? cause.toString() : cause.getMessage()), cause);
        } catch (TimeoutException e) {
            opening.cancel(true);
            throw new IOException("no answer from the streaming server at " + uri.getHost() + ":" + uri.getPort()
                    + " within " + timeout.toSeconds() + " s");
        }
    }

    /** The subprotocol the server chose ("" if none). */
    public String subprotocol() {
        return ws.getSubprotocol();
    }

    /** Sends {@code len} bytes of {@code data} on {@code channel}; returns once they are written. */
    public void send(int channel, byte[] data, int off, int len) throws IOException, InterruptedException {
        sendMessage(ChannelFrames.encode(channel, data, off, len));
    }

    /** Ends {@code channel}'s input (protocol v5). */
    public void closeChannel(int channel) throws IOException, InterruptedException {
        sendMessage(ChannelFrames.closeSignal(channel));
    }

    private void sendMessage(ByteBuffer message) throws IOException, InterruptedException {
        synchronized (sendLock) {
            CompletableFuture<WebSocket> sent = ws.sendBinary(message, true);
            // The server may read slowly (a process not reading its stdin): wait as long as the session lasts.
            while (true) {
                try {
                    sent.get(SEND_POLL_MILLIS, TimeUnit.MILLISECONDS);
                    return;
                } catch (ExecutionException e) {
                    throw new IOException("sending to the streaming server failed: " + e.getCause(), e.getCause());
                } catch (TimeoutException e) {
                    if (listener.ended.isDone()) {
                        throw new IOException("the stream has ended");
                    }
                }
            }
        }
    }

    /** Completes when the server closed the session or it broke (then exceptionally). */
    public CompletableFuture<Void> ended() {
        return listener.ended;
    }

    /**
     * Waits until the session ends, however long it lasts: an interactive session ends when its process does, the
     * user leaves, or the server closes it as idle.
     *
     * @return null when it closed normally, else why it broke
     */
    public Throwable awaitEnd() throws InterruptedException {
        try {
            listener.ended.get();
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }

    /** Ends the session now (idempotent); after the server's close, once our answer to it is out (briefly). */
    @Override
    public void close() {
        if (listener.closedByServer) {
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_ANSWER_MILLIS);
            while (!ws.isOutputClosed() && System.nanoTime() < until) {
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        ws.abort();
        listener.ended.complete(null);
    }

    /** Reassembles messages and asks for one more only once the receiver is done with the last. */
    private static final class Listener implements WebSocket.Listener {
        private final Receiver receiver;
        private final MessageAssembler assembler = new MessageAssembler(MAX_MESSAGE);
        private final CompletableFuture<Void> ended = new CompletableFuture<>();
        private volatile boolean closedByServer;

        Listener(Receiver receiver) {
            this.receiver = receiver;
        }

        @Override
        public void onOpen(WebSocket ws) {
            ws.request(1);
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            try {
                ByteBuffer whole = assembler.add(data, last);
                ChannelFrames.Message m = whole == null ? null : ChannelFrames.decode(whole);
                if (m != null && !receiver.received(m.channel(), m.data())) {
                    ws.abort();
                    ended.complete(null);
                    return null;
                }
                ws.request(1);
            } catch (IOException | RuntimeException e) {
                ws.abort();
                ended.completeExceptionally(e);
            }
            return null;
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            ws.request(1); // the binary protocols berthctl offers have no text messages
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            if (statusCode == ABNORMAL_CLOSURE) {
                // the JDK's report of a connection that ended without a close message
                ended.completeExceptionally(new IOException("the connection closed without a close message"));
                return null;
            }
            closedByServer = true;
            ended.complete(null);
            return null; // the client answers the close at once
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            ended.completeExceptionally(error);
        }
    }
}
