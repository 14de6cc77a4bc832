package dev.berth.cri.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Port-forward into a "pod" (local TCP servers) over SPDY and WebSocket. */
class PortForwardTest {
    private static final List<String> PF = List.of("portforward.k8s.io");
    @RegisterExtension
    static final StreamServerFixture fixture = new StreamServerFixture();
    private EchoServer web;
    private EchoServer db;
    private StreamTarget.PortForward pod;

    @BeforeEach
    void start() throws Exception {
        web = new EchoServer("web>");
        db = new EchoServer("db>");
        pod = new StreamTarget.PortForward("sb1", List.of(), EchoServer.dialer(Map.of(80, web, 5432, db)));
    }

    @AfterEach
    void stop() throws Exception {
        web.close();
        db.close();
    }

    private static Map<String, String> stream(String type, String requestId, int port) {
        return Map.of("streamtype", type, "requestid", requestId, "port", Integer.toString(port));
    }

    @Test
    void spdyForwardsTwoConcurrentConnectionsToTwoPorts() throws Exception {
        String url = fixture.server().register(pod);
        assertThat(url).contains("/portforward/");
        try (SpdyTestClient c = SpdyTestClient.connect(fixture.clients(), url, PF)) {
            assertThat(c.response().header("X-Stream-Protocol-Version")).isEqualTo("portforward.k8s.io");
            // Interleaved the way two kubectl connections racing each other open them.
            SpdyTestClient.ClientStream error0 = c.open(stream("error", "0", 80));
            SpdyTestClient.ClientStream error1 = c.open(stream("error", "1", 5432));
            SpdyTestClient.ClientStream data1 = c.open(stream("data", "1", 5432));
            SpdyTestClient.ClientStream data0 = c.open(stream("data", "0", 80));
            c.fin(error0); // kubectl never writes on its error streams
            c.fin(error1);
            c.send(data0, "GET / HTTP/1.0\r\n\r\n");
            c.send(data1, "SELECT 1;");
            assertThat(Await.until(() -> data0.text().equals("web>GET / HTTP/1.0\r\n\r\n") && data1.text().equals("db>SELECT 1;"),
                    Duration.ofSeconds(5))).as(data0.text() + " / " + data1.text()).isTrue();
            // The client is done sending: the pod sees end-of-file, answers with its own, and the pair ends.
            c.fin(data0);
            c.fin(data1);
            assertThat(data0.awaitFin()).isTrue();
            assertThat(data1.awaitFin()).isTrue();
            assertThat(error0.awaitFin()).isTrue();
            assertThat(error1.awaitFin()).isTrue();
            assertThat(error0.text()).isEmpty();
            assertThat(error1.text()).isEmpty();
            assertThat(Await.until(() -> web.finished.get() == 1 && db.finished.get() == 1, Duration.ofSeconds(5))).isTrue();
            // The connection stays for more forwarded connections.
            SpdyTestClient.ClientStream error2 = c.open(stream("error", "2", 80));
            SpdyTestClient.ClientStream data2 = c.open(stream("data", "2", 80));
            c.send(data2, "again");
            assertThat(Await.until(() -> data2.text().equals("web>again"), Duration.ofSeconds(5))).isTrue();
            c.reset(data2);
            c.reset(error2);
            assertThat(Await.until(() -> web.openConnections() == 0, Duration.ofSeconds(5))).isTrue();
        }
    }

    @Test
    void spdyDialFailureIsReportedOnTheErrorStream() throws Exception {
        String url = fixture.server().register(pod);
        try (SpdyTestClient c = SpdyTestClient.connect(fixture.clients(), url, PF)) {
            SpdyTestClient.ClientStream error = c.open(stream("error", "7", 9999));
            SpdyTestClient.ClientStream data = c.open(stream("data", "7", 9999));
            assertThat(error.awaitFin()).isTrue();
            assertThat(error.text()).isEqualTo("error forwarding port 9999 to pod sb1: dial tcp 127.0.0.1:9999: connect: connection refused");
            assertThat(data.awaitFin()).isTrue();
            assertThat(c.channel().isActive()).isTrue();
        }
    }

    @Test
    void spdyPairsWithoutRequestIdAreMatchedByStreamId() throws Exception {
        String url = fixture.server().register(pod);
        try (SpdyTestClient c = SpdyTestClient.connect(fixture.clients(), url, PF)) {
            SpdyTestClient.ClientStream error = c.open(Map.of("streamtype", "error", "port", "80"));
            SpdyTestClient.ClientStream data = c.open(Map.of("streamtype", "data", "port", "80"));
            c.send(data, "old client");
            assertThat(Await.until(() -> data.text().equals("web>old client"), Duration.ofSeconds(5))).isTrue();
            assertThat(error.text()).isEmpty();
        }
    }

    @Test
    void spdyIncompletePairsTimeOut() throws Exception {
        fixture.start("stream_creation_timeout = \"300ms\"");
        String url = fixture.server().register(pod);
        try (SpdyTestClient c = SpdyTestClient.connect(fixture.clients(), url, PF)) {
            SpdyTestClient.ClientStream error = c.open(stream("error", "1", 80));
            assertThat(error.awaitFin()).isTrue();
            assertThat(error.text()).contains("timed out waiting for the data and error streams of request 1");
            assertThat(web.accepted).hasValue(0);
        }
    }

    @Test
    void spdyClientDisconnectClosesPodConnections() throws Exception {
        String url = fixture.server().register(pod);
        SpdyTestClient c = SpdyTestClient.connect(fixture.clients(), url, PF);
        c.open(stream("error", "0", 80));
        SpdyTestClient.ClientStream data = c.open(stream("data", "0", 80));
        assertThat(Await.until(() -> data.text().equals("web>"), Duration.ofSeconds(5))).isTrue();
        assertThat(web.openConnections()).isEqualTo(1);
        c.close();
        assertThat(Await.until(() -> web.openConnections() == 0, Duration.ofSeconds(5))).isTrue();
    }

    @Test
    void webSocketForwardsEachQueriedPortOnItsChannelPair() throws Exception {
        String url = fixture.server().register(pod) + "?port=80&port=5432";
        try (WsTestClient c = WsTestClient.connect(fixture.clients(), url, "v4.channel.k8s.io")) {
            // Each channel first names its port, 2 bytes little-endian.
            Map<Integer, byte[]> firsts = new java.util.HashMap<>();
            for (int i = 0; i < 4; i++) {
                WsTestClient.Message m = c.next();
                firsts.putIfAbsent(m.channel(), m.data());
                if (firsts.size() == 4) {
                    break;
                }
            }
            assertThat(firsts.get(0)).containsExactly(80, 0);
            assertThat(firsts.get(1)).containsExactly(80, 0);
            assertThat(firsts.get(2)).containsExactly(0x38, 0x15);
            assertThat(firsts.get(3)).containsExactly(0x38, 0x15);
            c.send(0, "to web");
            c.send(2, "to db");
            ByteArrayOutputStream webOut = new ByteArrayOutputStream();
            ByteArrayOutputStream dbOut = new ByteArrayOutputStream();
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (System.nanoTime() < deadline && !(webOut.toString().equals("web>to web") && dbOut.toString().equals("db>to db"))) {
                WsTestClient.Message m = c.next();
                (m.channel() == 0 ? webOut : m.channel() == 2 ? dbOut : new ByteArrayOutputStream()).writeBytes(m.data());
            }
            assertThat(webOut.toString()).isEqualTo("web>to web");
            assertThat(dbOut.toString()).isEqualTo("db>to db");
        }
        assertThat(Await.until(() -> web.openConnections() == 0 && db.openConnections() == 0, Duration.ofSeconds(5))).isTrue();
    }

    @Test
    void webSocketClosesWhenEveryPodConnectionEnded() throws Exception {
        try (EchoServer hello = new EchoServer("hello and goodbye", true)) {
            StreamTarget.PortForward target = new StreamTarget.PortForward("sb1", List.of(8080), EchoServer.dialer(Map.of(8080, hello)));
            String url = fixture.server().register(target);
            try (WsTestClient c = WsTestClient.connect(fixture.clients(), url, "v4.base64.channel.k8s.io")) {
                Map<Integer, ByteArrayOutputStream> got = c.untilClose();
                assertThat(got.get(0).toString(StandardCharsets.UTF_8)).endsWith("hello and goodbye");
                assertThat(got.get(0).toByteArray()).startsWith(0x90, 0x1f);
                assertThat(got.get(-1).toString()).isEqualTo("1000");
            }
        }
    }

    @Test
    void webSocketDialFailureGoesToTheErrorChannel() throws Exception {
        String url = fixture.server().register(pod) + "?port=81";
        try (WsTestClient c = WsTestClient.connect(fixture.clients(), url, "v4.channel.k8s.io")) {
            Map<Integer, ByteArrayOutputStream> got = c.untilClose();
            assertThat(got.get(1).toString(StandardCharsets.UTF_8)).endsWith("error forwarding port 81 to pod sb1: "
                    + "dial tcp 127.0.0.1:81: connect: connection refused");
        }
    }

    @Test
    void webSocketWithoutPortsIsABadRequest() throws Exception {
        String url = fixture.server().register(pod);
        assertThatThrownBy(() -> WsTestClient.connect(fixture.clients(), url, "v4.channel.k8s.io"))
                .isInstanceOfSatisfying(WsTestClient.Refused.class, e -> assertThat(e.status).isEqualTo(400));
        String bad = fixture.server().register(pod) + "?port=http";
        assertThatThrownBy(() -> WsTestClient.connect(fixture.clients(), bad, "v4.channel.k8s.io"))
                .isInstanceOfSatisfying(WsTestClient.Refused.class, e -> assertThat(e.status).isEqualTo(400));
        String spdyOnly = fixture.server().register(pod) + "?port=80";
        assertThatThrownBy(() -> WsTestClient.connect(fixture.clients(), spdyOnly, "portforward.k8s.io"))
                .isInstanceOfSatisfying(WsTestClient.Refused.class, e -> assertThat(e.status).isEqualTo(403));
    }
}
