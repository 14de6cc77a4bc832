package dev.berth.cli.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Port-forward's local side against {@link FakeChannelServer}: one URL and WebSocket per local connection. */
class PortForwarderTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final byte[] PORT_8080 = {(byte) 0x90, 0x1f};

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    private final List<String> failures = new CopyOnWriteArrayList<>();
    private final AtomicInteger handled = new AtomicInteger();
    private final PortForwarder.Reporter reporter = new PortForwarder.Reporter() {
        @Override
        public void handling(PortForwarder.Listening l) {
            handled.incrementAndGet();
        }

        @Override
        public void failed(PortForwarder.Listening l, Throwable cause) {
            failures.add(l.localPort() + " -> " + l.mapping().remote() + ": " + cause.getMessage());
        }
    };

    @Test
    void eachConnectionGetsItsOwnUrlAndTheHeadersAreSkipped() throws Exception {
        try (FakeChannelServer server = new FakeChannelServer(c -> {
            c.upgrade("v4.channel.k8s.io");
            c.send(0, PORT_8080);
            c.send(1, PORT_8080);
            FakeChannelServer.Frame f = c.read();
            String text = new String(f.payload(), 1, f.payload().length - 1, StandardCharsets.US_ASCII);
            c.send(0, text.toUpperCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII));
            c.close();
            c.read();
        })) {
            AtomicInteger urls = new AtomicInteger();
            PortForwarder f = new PortForwarder(http, remote -> server.url("/portforward/t" + urls.incrementAndGet()),
                    TIMEOUT, reporter);
            try (f) {
                List<PortForwarder.Listening> l = f.listen(List.of(new PortMapping(0, 8080)));
                CompletableFuture<Void> serving = CompletableFuture.runAsync(() -> serve(f, l));
                for (int i = 0; i < 2; i++) {
                    assertThat(roundTrip(l.get(0).localPort(), "ping " + i)).isEqualTo("PING " + i);
                }
                assertThat(serving).isNotDone();
            }
            assertThat(urls.get()).isEqualTo(2);
            assertThat(handled.get()).isEqualTo(2);
            assertThat(server.requestHeads()).hasSize(2).allSatisfy(h -> assertThat(h).containsPattern(
                    "^GET /portforward/t\\d\\?port=8080 ").containsIgnoringCase("Sec-WebSocket-Protocol: v4.channel.k8s.io"));
            assertThat(failures).isEmpty();
        }
    }

    @Test
    void anErrorFromTheRuntimeIsReportedAndEndsThatConnection() throws Exception {
        try (FakeChannelServer server = new FakeChannelServer(c -> {
            c.upgrade("v4.channel.k8s.io");
            c.send(0, PORT_8080);
            c.send(1, PORT_8080);
            c.send(1, "error forwarding port 8080 to pod p: connection refused".getBytes(StandardCharsets.US_ASCII));
            c.read(); // the client goes away
        }); PortForwarder f = new PortForwarder(http, remote -> server.url("/portforward/t"), TIMEOUT, reporter)) {
            List<PortForwarder.Listening> l = f.listen(List.of(new PortMapping(0, 8080)));
            CompletableFuture.runAsync(() -> serve(f, l));
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), l.get(0).localPort())) {
                s.setSoTimeout(10_000);
                assertThat(s.getInputStream().read()).as("closed").isEqualTo(-1);
            }
            awaitFailure();
            assertThat(failures).singleElement().asString()
                    .isEqualTo(l.get(0).localPort() + " -> 8080: error forwarding port 8080 to pod p: connection refused");
        }
    }

    @Test
    void aGonePodStopsForwarding() throws Exception {
        PortForwarder f = new PortForwarder(http, remote -> {
            throw new PortForwarder.TargetGone(new IllegalStateException("pod p not found"));
        }, TIMEOUT, reporter);
        try (f) {
            List<PortForwarder.Listening> l = f.listen(List.of(new PortMapping(0, 80)));
            CompletableFuture<Void> serving = CompletableFuture.runAsync(() -> serve(f, l));
            new Socket(InetAddress.getLoopbackAddress(), l.get(0).localPort()).close();
            assertThatThrownBy(() -> serving.get(10, TimeUnit.SECONDS)).hasRootCauseMessage("pod p not found");
        }
    }

    private static void serve(PortForwarder f, List<PortForwarder.Listening> l) {
        try {
            f.serve(l);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String roundTrip(int port, String text) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII); // the server's close ends it
        }
    }

    private void awaitFailure() throws InterruptedException {
        for (int i = 0; i < 100 && failures.isEmpty(); i++) {
            Thread.sleep(50);
        }
    }
}
