package dev.berth.cri.streaming;

import static dev.berth.cri.streaming.FakeSessions.exec;
import static dev.berth.cri.streaming.FakeSessions.request;
import static dev.berth.cri.streaming.TestServers.V4;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** URLs, tokens and the HTTP answers of the streaming server. */
class StreamServerTest {
    @RegisterExtension
    static final StreamServerFixture fixture = new StreamServerFixture();

    private static StreamTarget.Process quick() {
        return exec(request(false, true, false, false, "true"), new FakeSessions.Exits(0, "", ""));
    }

    /** The status line of a plain request to {@code path}. */
    private String status(String method, String path, String... headers) throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), fixture.server().address().getPort())) {
            s.setSoTimeout(10_000);
            StringBuilder req = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: x\r\n");
            for (String h : headers) {
                req.append(h).append("\r\n");
            }
            OutputStream out = s.getOutputStream();
            out.write(req.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int c = in.read(); c >= 0 && c != '\r'; c = in.read()) {
                line.append((char) c);
            }
            return line.toString();
        }
    }

    @Test
    void urlsNameTheKindAndAnUnguessableToken() {
        int port = fixture.server().address().getPort();
        assertThat(port).isPositive();
        String exec = fixture.server().register(quick());
        assertThat(exec).matches("http://127\\.0\\.0\\.1:" + port + "/exec/[A-Za-z0-9_-]{43}");
        assertThat(fixture.server().register(FakeSessions.attach(request(false, true, false, false), new FakeSessions.Exits(0, "", ""))))
                .matches("http://127\\.0\\.0\\.1:" + port + "/attach/[A-Za-z0-9_-]{43}");
        assertThat(fixture.server().register(new StreamTarget.PortForward("sb", List.of(80), p -> null)))
                .matches("http://127\\.0\\.0\\.1:" + port + "/portforward/[A-Za-z0-9_-]{43}");
        assertThat(fixture.server().register(quick())).isNotEqualTo(exec);
    }

    @Test
    void ipv6HostsAreBracketed() {
        assertThat(StreamServer.urlHost("::1")).isEqualTo("[::1]");
        assertThat(StreamServer.urlHost("fd00::2")).isEqualTo("[fd00::2]");
        assertThat(StreamServer.urlHost("10.0.0.1")).isEqualTo("10.0.0.1");
        assertThat(StreamServer.urlHost("node.example")).isEqualTo("node.example");
        StreamServer v6;
        try {
            v6 = TestServers.start("stream_server_address = \"::1\"");
        } catch (BerthException e) {
            return; // no IPv6 loopback on this machine
        }
        try (v6) {
            assertThat(v6.register(quick())).startsWith("http://[::1]:" + v6.address().getPort() + "/exec/");
        }
    }

    @Test
    void aTokenWorksOnce() throws Exception {
        String url = fixture.server().register(quick());
        try (SpdyTestClient c = SpdyTestClient.connect(fixture.clients(), url, V4)) {
            assertThat(c.response().status()).isEqualTo(101);
        }
        try (SpdyTestClient c = SpdyTestClient.connect(fixture.clients(), url, V4)) {
            assertThat(c.response().status()).isEqualTo(404);
        }
    }

    @Test
    void aFailedUpgradeSpendsTheTokenToo() throws Exception {
        String url = fixture.server().register(quick());
        try (SpdyTestClient c = SpdyTestClient.connect(fixture.clients(), url, List.of("v0.nothing"))) {
            assertThat(c.response().status()).isEqualTo(403);
        }
        try (SpdyTestClient c = SpdyTestClient.connect(fixture.clients(), url, V4)) {
            assertThat(c.response().status()).isEqualTo(404);
        }
    }

    @Test
    void expiredTokensAreUnknown() throws Exception {
        fixture.start("stream_token_ttl = \"200ms\"");
        String url = fixture.server().register(quick());
        Thread.sleep(400);
        try (SpdyTestClient c = SpdyTestClient.connect(fixture.clients(), url, V4)) {
            assertThat(c.response().status()).isEqualTo(404);
        }
    }

    @Test
    void aTokenOnTheWrongPathIsUnknownAndSpent() throws Exception {
        String url = fixture.server().register(quick());
        try (SpdyTestClient c = SpdyTestClient.connect(fixture.clients(), url.replace("/exec/", "/attach/"), V4)) {
            assertThat(c.response().status()).isEqualTo(404);
        }
        try (SpdyTestClient c = SpdyTestClient.connect(fixture.clients(), url, V4)) {
            assertThat(c.response().status()).isEqualTo(404);
        }
        String pf = fixture.server().register(new StreamTarget.PortForward("sb", List.of(), p -> null));
        try (SpdyTestClient c = SpdyTestClient.connect(fixture.clients(), pf.replace("/portforward/", "/exec/"), V4)) {
            assertThat(c.response().status()).isEqualTo(404);
        }
    }

    @Test
    void plainHttpAnswers() throws Exception {
        String token = URI.create(fixture.server().register(quick())).getPath();
        assertThat(status("GET", "/exec/made-up")).isEqualTo("HTTP/1.1 404 Not Found");
        assertThat(status("GET", "/")).isEqualTo("HTTP/1.1 404 Not Found");
        assertThat(status("DELETE", token)).isEqualTo("HTTP/1.1 405 Method Not Allowed");
        String another = URI.create(fixture.server().register(quick())).getPath();
        assertThat(status("GET", another)).isEqualTo("HTTP/1.1 400 Bad Request");
        String third = URI.create(fixture.server().register(quick())).getPath();
        assertThat(status("POST", third, "Connection: Upgrade", "Upgrade: SPDY/3.1")).isEqualTo("HTTP/1.1 400 Bad Request");
        String ws = URI.create(fixture.server().register(quick())).getPath();
        assertThat(status("GET", ws, "Connection: Upgrade", "Upgrade: websocket", "Sec-WebSocket-Version: 13",
                "Sec-WebSocket-Protocol: v4.channel.k8s.io")).isEqualTo("HTTP/1.1 400 Bad Request"); // no Sec-WebSocket-Key
        String absolute = fixture.server().register(quick());
        assertThat(status("POST", absolute, "Connection: Upgrade", "Upgrade: SPDY/3.1", "X-Stream-Protocol-Version: v4.channel.k8s.io"))
                .isEqualTo("HTTP/1.1 101 Switching Protocols");
    }

    @Test
    void tooManyUnusedTokensIsResourceExhausted() throws Exception {
        fixture.start("max_pending_streams = 2");
        String first = fixture.server().register(quick());
        fixture.server().register(quick());
        assertThatThrownBy(() -> fixture.server().register(quick())).isInstanceOfSatisfying(BerthException.class,
                e -> assertThat(e.kind()).isEqualTo(ErrorKind.RESOURCE_EXHAUSTED));
        try (SpdyTestClient c = SpdyTestClient.connect(fixture.clients(), first, V4)) {
            assertThat(c.response().status()).isEqualTo(101);
        }
        assertThat(fixture.server().register(quick())).contains("/exec/");
    }

    @Test
    void aPortInUseFailsTheStartNamingIt() {
        int taken = fixture.server().address().getPort();
        assertThatThrownBy(() -> TestServers.start("stream_server_port = " + taken))
                .isInstanceOfSatisfying(BerthException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ErrorKind.UNAVAILABLE);
                    assertThat(e.getMessage()).contains("127.0.0.1:" + taken);
                });
        assertThatThrownBy(() -> TestServers.start("stream_server_address = \"no-such-host.invalid\""))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.getMessage()).contains("stream_server_address"));
    }

    @Test
    void aGivenPortIsUsed() throws Exception {
        int free;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            free = s.getLocalPort();
        }
        try (StreamServer s = StreamServer.start(StreamSettings.from(ConfigFactory.parseString("stream_server_port = \"" + free + "\"")))) {
            assertThat(s.address()).isEqualTo(new InetSocketAddress(InetAddress.getLoopbackAddress(), free));
        }
    }

    @Test
    void closingTheServerClosesLiveSessionsAndRefusesNewOnes() throws Exception {
        FakeSessions.Blocks p = new FakeSessions.Blocks();
        SpdyTestClient c = fixture.connectToRunning(p);
        fixture.server().close();
        assertThat(p.awaitClosed(5)).isTrue();
        assertThat(c.awaitClosed()).isTrue();
        assertThatThrownBy(() -> fixture.server().register(quick())).isInstanceOf(BerthException.class);
    }

    @Test
    void clientsThatNeverAskAreDropped() throws Exception {
        fixture.start("stream_creation_timeout = \"300ms\"");
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), fixture.server().address().getPort())) {
            s.setSoTimeout(5000);
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
    }
}
