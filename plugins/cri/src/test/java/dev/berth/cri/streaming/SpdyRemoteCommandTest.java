package dev.berth.cri.streaming;

import static dev.berth.cri.streaming.FakeSessions.exec;
import static dev.berth.cri.streaming.FakeSessions.request;
import static dev.berth.cri.streaming.TestServers.V4;
import static dev.berth.cri.streaming.TestServers.type;
import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.runtime.StreamRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Exec and attach over SPDY/3.1, driven the way kubectl and crictl drive them. */
class SpdyRemoteCommandTest {
    private static final String SUCCESS = "{\"metadata\":{},\"status\":\"Success\"}";
    @RegisterExtension
    static final StreamServerFixture fixture = new StreamServerFixture();

    /** What a command's error and stdout streams carried. */
    private record Output(String error, String stdout) {
    }

    /** Runs the command at {@code url} with only error and stdout streams, until both ended. */
    private static Output run(String url, List<String> protocols) throws Exception {
        try (SpdyTestClient c = SpdyTestClient.connect(fixture.clients(), url, protocols)) {
            SpdyTestClient.ClientStream error = c.stream("error");
            SpdyTestClient.ClientStream stdout = c.stream("stdout");
            assertThat(error.awaitFin()).isTrue();
            assertThat(stdout.awaitFin()).isTrue();
            return new Output(error.text(), stdout.text());
        }
    }

    @Test
    void execEchoesStdinAndReportsSuccessOverV4() throws Exception {
        FakeSessions.Cat cat = new FakeSessions.Cat();
        String url = fixture.server().register(exec(request(true, true, true, false, "cat"), cat));
        try (SpdyTestClient c = SpdyTestClient.connect(fixture.clients(), url, V4)) {
            assertThat(c.response().status()).isEqualTo(101);
            assertThat(c.response().header("X-Stream-Protocol-Version")).isEqualTo("v4.channel.k8s.io");
            assertThat(c.response().header("Upgrade")).isEqualTo("SPDY/3.1");
            SpdyTestClient.ClientStream error = c.stream("error");
            SpdyTestClient.ClientStream stdin = c.stream("stdin");
            SpdyTestClient.ClientStream stdout = c.stream("stdout");
            SpdyTestClient.ClientStream stderr = c.stream("stderr");
            c.send(stdin, "hello ");
            c.send(stdin, "world\n");
            c.fin(stdin);
            assertThat(stdout.awaitFin()).isTrue();
            assertThat(stdout.text()).isEqualTo("hello world\n");
            assertThat(stderr.awaitFin()).isTrue();
            assertThat(stderr.text()).isEmpty();
            assertThat(error.awaitFin()).isTrue();
            assertThat(error.text()).isEqualTo(SUCCESS);
            assertThat(c.awaitClosed()).isTrue();
        }
        assertThat(cat.awaitClosed(5)).isTrue();
    }

    @Test
    void stdinCloseReachesTheProcessAsEndOfFile() throws Exception {
        FakeSessions.Cat cat = new FakeSessions.Cat();
        String url = fixture.server().register(exec(request(true, true, false, false, "cat"), cat));
        try (SpdyTestClient c = SpdyTestClient.connect(fixture.clients(), url, V4)) {
            SpdyTestClient.ClientStream error = c.stream("error");
            SpdyTestClient.ClientStream stdin = c.stream("stdin");
            SpdyTestClient.ClientStream stdout = c.stream("stdout");
            c.send(stdin, "before eof");
            assertThat(Await.until(() -> stdout.text().equals("before eof"), Duration.ofSeconds(5))).isTrue();
            // cat only ends at end-of-file: without the FIN reaching its stdin nothing below would happen.
            assertThat(stdout.fin.getCount()).isEqualTo(1);
            c.fin(stdin);
            assertThat(stdout.awaitFin()).isTrue();
            assertThat(error.awaitFin()).isTrue();
            assertThat(error.text()).isEqualTo(SUCCESS);
        }
    }

    @Test
    void nonZeroExitIsAStatusWithTheExitCode() throws Exception {
        FakeSessions.Exits p = new FakeSessions.Exits(3, "out", "err");
        String url = fixture.server().register(exec(request(false, true, true, false, "sh", "-c", "exit 3"), p));
        try (SpdyTestClient c = SpdyTestClient.connect(fixture.clients(), url, V4)) {
            SpdyTestClient.ClientStream error = c.stream("error");
            SpdyTestClient.ClientStream stdout = c.stream("stdout");
            SpdyTestClient.ClientStream stderr = c.stream("stderr");
            assertThat(error.awaitFin()).isTrue();
            assertThat(stdout.text()).isEqualTo("out");
            assertThat(stderr.text()).isEqualTo("err");
            assertThat(error.text()).isEqualTo("{\"metadata\":{},\"status\":\"Failure\",\"message\":\"command terminated with non-zero exit code: "
                    + "error executing command [sh -c exit 3], exit code 3\",\"reason\":\"NonZeroExitCode\","
                    + "\"details\":{\"causes\":[{\"reason\":\"ExitCode\",\"message\":\"3\"}]}}");
        }
        assertThat(p.awaitClosed(5)).isTrue();
    }

    @Test
    void olderProtocolsReportPlainTextAndNothingOnSuccess() throws Exception {
        String failing = fixture.server().register(exec(request(false, true, false, false, "false"), new FakeSessions.Exits(1, "", "")));
        assertThat(run(failing, List.of("v2.channel.k8s.io")).error())
                .isEqualTo("command terminated with non-zero exit code: error executing command [false], exit code 1");
        String ok = fixture.server().register(exec(request(false, true, false, false, "true"), new FakeSessions.Exits(0, "x", "")));
        assertThat(run(ok, List.of("v3.channel.k8s.io"))).isEqualTo(new Output("", "x"));
    }

    @Test
    void theClientsFirstSupportedProtocolIsChosen() throws Exception {
        String url = fixture.server().register(exec(request(false, true, false, false, "true"), new FakeSessions.Exits(0, "", "")));
        try (SpdyTestClient c = SpdyTestClient.connect(fixture.clients(), url,
                List.of("v9.channel.k8s.io", "v3.channel.k8s.io, v4.channel.k8s.io"))) {
            assertThat(c.response().header("X-Stream-Protocol-Version")).isEqualTo("v3.channel.k8s.io");
        }
    }

    @Test
    void noCommonProtocolIsForbidden() throws Exception {
        String url = fixture.server().register(exec(request(false, true, false, false, "true"), new FakeSessions.Exits(0, "", "")));
        try (SpdyTestClient c = SpdyTestClient.connect(fixture.clients(), url, List.of("v9.channel.k8s.io"))) {
            assertThat(c.response().status()).isEqualTo(403);
            assertThat(c.response().body()).contains("unable to negotiate protocol").contains("v9.channel.k8s.io");
            assertThat(c.response().headers().get("x-accepted-stream-protocol-versions")).contains("v4.channel.k8s.io");
        }
        String pf = fixture.server().register(new StreamTarget.PortForward("sb", List.of(), p -> null));
        try (SpdyTestClient c = SpdyTestClient.connect(fixture.clients(), pf, V4)) {
            assertThat(c.response().status()).isEqualTo(403);
        }
    }

    @Test
    void resizeStreamCarriesTerminalSizes() throws Exception {
        FakeSessions.Cat cat = new FakeSessions.Cat();
        AtomicReference<StreamRequest> opened = new AtomicReference<>();
        String url = fixture.server().register(exec(request(true, true, false, true, "sh"), cat, opened));
        try (SpdyTestClient c = SpdyTestClient.connect(fixture.clients(), url, V4)) {
            SpdyTestClient.ClientStream error = c.stream("error");
            SpdyTestClient.ClientStream stdin = c.stream("stdin");
            c.stream("stdout");
            SpdyTestClient.ClientStream resize = c.stream("resize");
            c.send(resize, "{\"Width\":80,\"Height\":24}{\"Width\":120,");
            c.send(resize, "\"Height\":50}\n");
            // the first size starts the command; the ones after it resize the running command's terminal
            assertThat(Await.until(() -> cat.resizes.size() == 1, Duration.ofSeconds(5))).isTrue();
            assertThat(opened.get().width()).isEqualTo(80);
            assertThat(opened.get().height()).isEqualTo(24);
            assertThat(cat.resizes.get(0)).containsExactly(120, 50);
            Thread.sleep(100);
            assertThat(cat.resizes).as("each size applied once").hasSize(1);
            c.fin(stdin);
            assertThat(error.awaitFin()).isTrue();
            assertThat(error.text()).isEqualTo(SUCCESS);
        }
    }

    @Test
    void v2HasNoResizeStreamSoTtySessionsStartWithout() throws Exception {
        String url = fixture.server().register(exec(request(false, true, false, true, "sh"), new FakeSessions.Exits(0, "tty", "")));
        assertThat(run(url, List.of("v2.channel.k8s.io")).stdout()).isEqualTo("tty");
    }

    @Test
    void attachSucceedsWhenItsOutputEndsWhateverTheExitCode() throws Exception {
        FakeSessions.Exits p = new FakeSessions.Exits(137, "log line\n", "");
        String url = fixture.server().register(FakeSessions.attach(request(false, true, false, false), p));
        assertThat(url).contains("/attach/");
        assertThat(run(url, V4)).isEqualTo(new Output(SUCCESS, "log line\n"));
        assertThat(p.awaitClosed(5)).isTrue();
    }

    @Test
    void anOpenerFailureIsReportedOnTheErrorStream() throws Exception {
        String url = fixture.server().register(new StreamTarget.Process(StreamTarget.Kind.EXEC, "c1", request(false, true, false, false, "ls"),
                r -> {
                    throw BerthException.failedPrecondition("container c1 is not running");
                }));
        try (SpdyTestClient c = SpdyTestClient.connect(fixture.clients(), url, V4)) {
            SpdyTestClient.ClientStream error = c.stream("error");
            SpdyTestClient.ClientStream stdout = c.stream("stdout");
            assertThat(error.awaitFin()).isTrue();
            assertThat(stdout.awaitFin()).isTrue();
            assertThat(error.text()).isEqualTo("{\"metadata\":{},\"status\":\"Failure\",\"message\":\"container c1 is not running\","
                    + "\"reason\":\"InternalError\",\"details\":{\"causes\":[{\"message\":\"container c1 is not running\"}]},\"code\":500}");
            assertThat(c.awaitClosed()).isTrue();
        }
    }

    @Test
    void missingStreamsTimeOutAndNeverOpenTheSession() throws Exception {
        fixture.start("stream_creation_timeout = \"300ms\"");
        AtomicInteger opened = new AtomicInteger();
        String url = fixture.server().register(new StreamTarget.Process(StreamTarget.Kind.EXEC, "c1", request(true, true, false, false, "cat"),
                r -> {
                    opened.incrementAndGet();
                    return new FakeSessions.Cat();
                }));
        try (SpdyTestClient c = SpdyTestClient.connect(fixture.clients(), url, V4)) {
            c.stream("error");
            c.stream("stdout"); // stdin never comes
            long t0 = System.nanoTime();
            assertThat(c.awaitClosed()).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        }
        assertThat(opened).hasValue(0);
    }

    @Test
    void unexpectedAndDuplicateStreamsAreRefused() throws Exception {
        FakeSessions.Cat cat = new FakeSessions.Cat();
        String url = fixture.server().register(exec(request(true, true, false, false, "cat"), cat));
        try (SpdyTestClient c = SpdyTestClient.connect(fixture.clients(), url, V4)) {
            SpdyTestClient.ClientStream error = c.stream("error");
            SpdyTestClient.ClientStream stderr = c.stream("stderr"); // not asked for
            SpdyTestClient.ClientStream error2 = c.stream("error");
            assertThat(stderr.awaitFin()).isTrue();
            assertThat(stderr.reset).isTrue();
            assertThat(error2.awaitFin()).isTrue();
            assertThat(error2.reset).isTrue();
            SpdyTestClient.ClientStream stdin = c.open(java.util.Map.of("streamtype", "STDIN")); // values in any case
            c.stream("stdout");
            c.fin(stdin);
            assertThat(error.awaitFin()).isTrue();
            assertThat(error.text()).isEqualTo(SUCCESS);
        }
    }

    @Test
    void clientDisconnectClosesTheSession() throws Exception {
        FakeSessions.Blocks p = new FakeSessions.Blocks();
        SpdyTestClient c = fixture.connectToRunning(p);
        assertThat(p.isClosed()).isFalse();
        c.close();
        assertThat(p.awaitClosed(5)).isTrue();
    }

    @Test
    void goAwayEndsTheSessionAndPingsAreEchoed() throws Exception {
        FakeSessions.Blocks p = new FakeSessions.Blocks();
        try (SpdyTestClient c = fixture.connectToRunning(p)) {
            c.ping(1);
            c.ping(3);
            assertThat(Await.until(() -> c.pongs.get() == 2, Duration.ofSeconds(5))).isTrue();
            c.goAway();
            assertThat(c.awaitClosed()).isTrue();
        }
        assertThat(p.awaitClosed(5)).isTrue();
    }

    @Test
    void idleConnectionsAreClosedWithTheirSession() throws Exception {
        fixture.start("stream_idle_timeout = \"400ms\"");
        FakeSessions.Blocks p = new FakeSessions.Blocks();
        try (SpdyTestClient c = fixture.connectToRunning(p)) {
            assertThat(c.awaitClosed()).isTrue();
        }
        assertThat(p.awaitClosed(5)).isTrue();
    }

    @Test
    void tenMebibytesFlowWithoutTheClientEverSendingWindowUpdate() throws Exception {
        long size = 10L << 20;
        FakeSessions.Bulk p = new FakeSessions.Bulk(size);
        String url = fixture.server().register(exec(request(false, true, false, false, "yes"), p));
        try (SpdyTestClient c = SpdyTestClient.connect(fixture.clients(), url, V4)) {
            SpdyTestClient.ClientStream error = c.stream("error");
            SpdyTestClient.ClientStream stdout = c.open(type("stdout"), false);
            stdout.verifyBulk = true;
            assertThat(error.awaitFin()).isTrue();
            assertThat(stdout.count).hasValue(size);
            assertThat(stdout.mismatches).hasValue(0);
            assertThat(error.text()).isEqualTo(SUCCESS);
            assertThat(c.windowUpdates).hasValue(0);
        }
    }

    @Test
    void aClientThatStopsReadingHoldsTheProcessBack() throws Exception {
        FakeSessions.Bulk p = new FakeSessions.Bulk(1L << 40);
        String url = fixture.server().register(exec(request(false, true, false, false, "yes"), p));
        try (SpdyTestClient c = SpdyTestClient.connect(fixture.clients(), url, V4)) {
            c.stream("error");
            c.channel().config().setAutoRead(false);
            SpdyTestClient.ClientStream stdout = c.openAsync(type("stdout"), false);
            // Loopback socket buffers hold a few MiB; beyond that the pump must wait instead of buffering.
            assertThat(Await.until(() -> p.produced.get() > 0, Duration.ofSeconds(5))).isTrue();
            Thread.sleep(1000);
            long stalled = p.produced.get();
            Thread.sleep(500);
            assertThat(p.produced.get()).isEqualTo(stalled);
            assertThat(stalled).isLessThan(64L << 20);
            c.channel().config().setAutoRead(true);
            assertThat(Await.until(() -> stdout.count.get() > stalled, Duration.ofSeconds(5))).isTrue();
        }
        assertThat(p.awaitClosed(5)).isTrue();
    }

    @Test
    void fourMebibytesRoundTripThroughCatUnderBackpressure() throws Exception {
        FakeSessions.Cat cat = new FakeSessions.Cat();
        String url = fixture.server().register(exec(request(true, true, false, false, "cat"), cat));
        byte[] chunk = new byte[16 * 1024];
        for (int i = 0; i < chunk.length; i++) {
            chunk[i] = (byte) (i * 7);
        }
        int chunks = 256;
        try (SpdyTestClient c = SpdyTestClient.connect(fixture.clients(), url, V4)) {
            SpdyTestClient.ClientStream error = c.stream("error");
            SpdyTestClient.ClientStream stdin = c.stream("stdin");
            SpdyTestClient.ClientStream stdout = c.stream("stdout");
            for (int i = 0; i < chunks; i++) {
                c.send(stdin, chunk);
            }
            c.fin(stdin);
            assertThat(error.awaitFin()).isTrue();
            byte[] got = stdout.data();
            assertThat(got.length).isEqualTo(chunk.length * chunks);
            for (int i = 0; i < chunks; i++) {
                assertThat(java.util.Arrays.copyOfRange(got, i * chunk.length, (i + 1) * chunk.length)).isEqualTo(chunk);
            }
        }
    }
}
