package dev.berth.cri.streaming;

import static dev.berth.cri.streaming.FakeSessions.exec;
import static dev.berth.cri.streaming.FakeSessions.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.runtime.StreamRequest;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Exec and attach over the Kubernetes channel WebSocket protocols. */
class WebSocketRemoteCommandTest {
    private static final String SUCCESS = "{\"metadata\":{},\"status\":\"Success\"}";
    private static final String EXIT_3 = "{\"metadata\":{},\"status\":\"Failure\",\"message\":\"command terminated with non-zero exit code: "
            + "error executing command [sh -c exit 3], exit code 3\",\"reason\":\"NonZeroExitCode\","
            + "\"details\":{\"causes\":[{\"reason\":\"ExitCode\",\"message\":\"3\"}]}}";
    @RegisterExtension
    static final StreamServerFixture fixture = new StreamServerFixture();

    private static String text(Map<Integer, ByteArrayOutputStream> byChannel, int channel) {
        ByteArrayOutputStream b = byChannel.get(channel);
        return b == null ? "" : b.toString(StandardCharsets.UTF_8);
    }

    @Test
    void v4EchoesStdinAndTheFirstMessageSaysReady() throws Exception {
        FakeSessions.Cat cat = new FakeSessions.Cat();
        String url = fixture.server().register(exec(request(true, true, false, false, "cat"), cat));
        try (WsTestClient c = WsTestClient.connect(fixture.clients(), url, "v4.channel.k8s.io")) {
            assertThat(c.protocol).isEqualTo("v4.channel.k8s.io");
            WsTestClient.Message ready = c.next();
            assertThat(ready.channel()).isEqualTo(WebSocketRemoteCommand.STDOUT);
            assertThat(ready.data()).isEmpty();
            c.send(0, "hello");
            WsTestClient.Message echo = c.next();
            assertThat(echo.channel()).isEqualTo(1);
            assertThat(new String(echo.data(), StandardCharsets.UTF_8)).isEqualTo("hello");
        }
        // v4 cannot close stdin: the client leaving is what ends cat.
        assertThat(cat.awaitClosed(5)).isTrue();
    }

    @Test
    void v4ReportsTheExitCodeAndClosesNormally() throws Exception {
        String url = fixture.server().register(exec(request(false, true, true, false, "sh", "-c", "exit 3"), new FakeSessions.Exits(3, "out", "err")));
        try (WsTestClient c = WsTestClient.connect(fixture.clients(), url, "v4.channel.k8s.io")) {
            Map<Integer, ByteArrayOutputStream> got = c.untilClose();
            assertThat(text(got, 1)).isEqualTo("out");
            assertThat(text(got, 2)).isEqualTo("err");
            assertThat(text(got, 3)).isEqualTo(EXIT_3);
            assertThat(text(got, -1)).isEqualTo("1000");
        }
    }

    @Test
    void v5CloseSignalEndsStdin() throws Exception {
        FakeSessions.Cat cat = new FakeSessions.Cat();
        String url = fixture.server().register(exec(request(true, true, false, false, "cat"), cat));
        try (WsTestClient c = WsTestClient.connect(fixture.clients(), url, "v4.channel.k8s.io,v5.channel.k8s.io")) {
            assertThat(c.protocol).isEqualTo("v5.channel.k8s.io");
            c.send(0, "last words");
            c.sendRaw((byte) 255, (byte) 0);
            Map<Integer, ByteArrayOutputStream> got = c.untilClose();
            assertThat(text(got, 1)).isEqualTo("last words");
            assertThat(text(got, 3)).isEqualTo(SUCCESS);
            assertThat(text(got, -1)).isEqualTo("1000");
        }
        assertThat(cat.awaitClosed(5)).isTrue();
    }

    @Test
    void v4Base64CarriesTextMessages() throws Exception {
        String url = fixture.server().register(exec(request(false, true, true, false, "sh", "-c", "exit 3"), new FakeSessions.Exits(3, "out\u00e9", "")));
        try (WsTestClient c = WsTestClient.connect(fixture.clients(), url, "v4.base64.channel.k8s.io")) {
            WsTestClient.Message ready = c.next();
            assertThat(ready.text()).isTrue();
            assertThat(ready.channel()).isEqualTo(1);
            Map<Integer, ByteArrayOutputStream> got = c.untilClose();
            assertThat(text(got, 1)).isEqualTo("out\u00e9");
            assertThat(text(got, 3)).isEqualTo(EXIT_3);
        }
    }

    @Test
    void base64StdinReachesTheProcess() throws Exception {
        FakeSessions.Cat cat = new FakeSessions.Cat();
        String url = fixture.server().register(exec(request(true, true, false, false, "cat"), cat));
        try (WsTestClient c = WsTestClient.connect(fixture.clients(), url, "v4.base64.channel.k8s.io")) {
            c.next(); // ready
            c.send(0, "b64 in");
            assertThat(new String(c.next().data(), StandardCharsets.UTF_8)).isEqualTo("b64 in");
        }
    }

    @Test
    void preV4ProtocolsSendPlainTextErrors() throws Exception {
        String url = fixture.server().register(exec(request(false, true, false, false, "sh", "-c", "exit 3"), new FakeSessions.Exits(3, "", "")));
        try (WsTestClient c = WsTestClient.connect(fixture.clients(), url, "base64.channel.k8s.io")) {
            Map<Integer, ByteArrayOutputStream> got = c.untilClose();
            assertThat(text(got, 3)).isEqualTo("command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3");
        }
        String ok = fixture.server().register(exec(request(false, true, false, false, "true"), new FakeSessions.Exits(0, "fine", "")));
        try (WsTestClient c = WsTestClient.connect(fixture.clients(), ok, "channel.k8s.io")) {
            Map<Integer, ByteArrayOutputStream> got = c.untilClose();
            assertThat(text(got, 1)).isEqualTo("fine");
            assertThat(got).doesNotContainKey(3);
        }
    }

    @Test
    void theServersPreferenceWinsAmongTheOffers() throws Exception {
        String url = fixture.server().register(exec(request(false, true, false, false, "true"), new FakeSessions.Exits(0, "", "")));
        try (WsTestClient c = WsTestClient.connect(fixture.clients(), url, "channel.k8s.io, base64.channel.k8s.io, v4.base64.channel.k8s.io, v4.channel.k8s.io")) {
            assertThat(c.protocol).isEqualTo("v4.channel.k8s.io");
        }
    }

    @Test
    void noSupportedSubprotocolIsRefused() throws Exception {
        String url = fixture.server().register(exec(request(false, true, false, false, "true"), new FakeSessions.Exits(0, "", "")));
        assertThatThrownBy(() -> WsTestClient.connect(fixture.clients(), url, "v9.channel.k8s.io"))
                .isInstanceOfSatisfying(WsTestClient.Refused.class, e -> assertThat(e.status).isEqualTo(403));
        String none = fixture.server().register(exec(request(false, true, false, false, "true"), new FakeSessions.Exits(0, "", "")));
        assertThatThrownBy(() -> WsTestClient.connect(fixture.clients(), none, null))
                .isInstanceOfSatisfying(WsTestClient.Refused.class, e -> assertThat(e.status).isEqualTo(403));
    }

    @Test
    void resizeChannelCarriesTerminalSizes() throws Exception {
        FakeSessions.Cat cat = new FakeSessions.Cat();
        AtomicReference<StreamRequest> opened = new AtomicReference<>();
        String url = fixture.server().register(exec(request(true, true, false, true, "sh"), cat, opened));
        try (WsTestClient c = WsTestClient.connect(fixture.clients(), url, "v5.channel.k8s.io")) {
            // the first size starts the command; a later one resizes its terminal
            c.send(4, "{\"Width\":132,\"Height\":43}");
            c.send(4, "{\"Width\":100,\"Height\":30}");
            assertThat(Await.until(() -> cat.resizes.size() == 1, Duration.ofSeconds(5))).isTrue();
            assertThat(opened.get().width()).isEqualTo(132);
            assertThat(opened.get().height()).isEqualTo(43);
            assertThat(cat.resizes.get(0)).containsExactly(100, 30);
            c.sendRaw((byte) 255, (byte) 0);
            assertThat(text(c.untilClose(), 3)).isEqualTo(SUCCESS);
        }
    }

    @Test
    void stderrOnlySessionsAnnounceOnStderrAndNoOutputOnError() throws Exception {
        String url = fixture.server().register(exec(request(false, false, true, false, "x"), new FakeSessions.Exits(0, "", "e")));
        try (WsTestClient c = WsTestClient.connect(fixture.clients(), url, "v4.channel.k8s.io")) {
            assertThat(c.next().channel()).isEqualTo(2);
        }
        String url3 = fixture.server().register(exec(request(true, false, false, false, "x"), new FakeSessions.Exits(0, "", "")));
        try (WsTestClient c = WsTestClient.connect(fixture.clients(), url3, "v4.channel.k8s.io")) {
            WsTestClient.Message ready = c.next();
            assertThat(ready.channel()).isEqualTo(3);
            assertThat(ready.data()).isEmpty();
        }
    }

    @Test
    void clientCloseFrameEndsTheSession() throws Exception {
        FakeSessions.Blocks p = new FakeSessions.Blocks();
        CountDownLatch opened = new CountDownLatch(1);
        String url = fixture.server().register(exec(request(false, true, false, false, "sleep"), p, opened));
        try (WsTestClient c = WsTestClient.connect(fixture.clients(), url, "v5.channel.k8s.io")) {
            assertThat(opened.await(5, TimeUnit.SECONDS)).isTrue();
            c.sendClose();
            assertThat(c.awaitClosed()).isTrue();
        }
        assertThat(p.awaitClosed(5)).isTrue();
    }
}
