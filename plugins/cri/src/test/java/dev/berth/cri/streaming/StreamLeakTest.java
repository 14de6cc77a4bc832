package dev.berth.cri.streaming;

import static dev.berth.cri.streaming.FakeSessions.exec;
import static dev.berth.cri.streaming.FakeSessions.request;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoopGroup;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** After many sessions of every kind, threads and file descriptors are back where they started. */
class StreamLeakTest {
    private static final String SUCCESS = "{\"metadata\":{},\"status\":\"Success\"}";

    /** Live threads, leaving out the JIT's compiler threads, which come and go on their own. */
    private static int threads() {
        return (int) Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                .filter(t -> !t.getName().contains("CompilerThread")).count();
    }

    private static int fds() {
        String[] l = new File("/proc/self/fd").list();
        return l == null ? -1 : l.length;
    }

    @Test
    void twoHundredSessionsLeaveNothingBehind() throws Exception {
        EventLoopGroup clients = TestServers.clients();
        try (EchoServer echo = new EchoServer("pod>")) {
            // Warm up first: the JVM opens jar files and starts its own threads lazily, once.
            int threadsRunning;
            int fdBaseline;
            StreamServer server = TestServers.start();
            try {
                for (int i = 0; i < 12; i++) {
                    session(server, clients, echo, i);
                }
                Thread.sleep(500);
                fdBaseline = fds();
                threadsRunning = threads();
                for (int i = 0; i < 200; i++) {
                    session(server, clients, echo, i);
                }
                // Connections, sockets into the pod and session threads are gone while the server keeps running.
                assertThat(Await.until(() -> fds() <= fdBaseline, Duration.ofSeconds(15))).as("fds %d > %d", fds(), fdBaseline).isTrue();
                // Idle workers may linger briefly for the next session; a leak would be one per session.
                assertThat(threads()).isLessThanOrEqualTo(threadsRunning + 8);
            } finally {
                server.close();
            }
        } finally {
            TestServers.shutdown(clients);
        }
    }

    @Test
    void closingTheServerEndsEveryThreadItStarted() throws Exception {
        EventLoopGroup clients = TestServers.clients();
        try (EchoServer echo = new EchoServer("pod>")) {
            // The client side's and the echo server's threads exist before the baseline; the server's must all go.
            session(null, clients, echo, -1);
            int fdsBefore = fds();
            int threadsBefore = threads();
            StreamServer server = TestServers.start();
            for (int i = 0; i < 24; i++) {
                session(server, clients, echo, i);
            }
            server.close();
            assertThat(Await.until(() -> threads() <= threadsBefore, Duration.ofSeconds(15)))
                    .as("threads %d > %d: %s", threads(), threadsBefore, Thread.getAllStackTraces().keySet()).isTrue();
            assertThat(Await.until(() -> fds() <= fdsBefore + 2, Duration.ofSeconds(15))).as("fds %d > %d", fds(), fdsBefore).isTrue();
        } finally {
            TestServers.shutdown(clients);
        }
    }

    /** One complete session: SPDY exec, WebSocket v5 exec, SPDY port-forward and a client that disconnects, in turn. */
    private static void session(StreamServer server, EventLoopGroup clients, EchoServer echo, int i) throws Exception {
        if (server == null) {
            // Only loads the client-side classes and starts the client's threads.
            try (StreamServer warm = TestServers.start()) {
                session(warm, clients, echo, 0);
                session(warm, clients, echo, 1);
                session(warm, clients, echo, 2);
                session(warm, clients, echo, 3);
            }
            return;
        }
        switch (Math.floorMod(i, 4)) {
            case 0 -> {
                String url = server.register(exec(request(true, true, true, false, "cat"), new FakeSessions.Cat()));
                try (SpdyTestClient c = SpdyTestClient.connect(clients, url, TestServers.V4)) {
                    SpdyTestClient.ClientStream error = c.stream("error");
                    SpdyTestClient.ClientStream stdin = c.stream("stdin");
                    SpdyTestClient.ClientStream stdout = c.stream("stdout");
                    c.stream("stderr");
                    c.send(stdin, "x" + i);
                    c.fin(stdin);
                    assertThat(error.awaitFin()).isTrue();
                    assertThat(stdout.text()).isEqualTo("x" + i);
                    assertThat(error.text()).isEqualTo(SUCCESS);
                }
            }
            case 1 -> {
                String url = server.register(exec(request(true, true, false, false, "cat"), new FakeSessions.Cat()));
                try (WsTestClient c = WsTestClient.connect(clients, url, "v5.channel.k8s.io")) {
                    c.send(0, "y" + i);
                    c.sendRaw((byte) 255, (byte) 0);
                    Map<Integer, ByteArrayOutputStream> got = c.untilClose();
                    assertThat(got.get(1).toString(StandardCharsets.UTF_8)).isEqualTo("y" + i);
                    assertThat(got.get(3).toString(StandardCharsets.UTF_8)).isEqualTo(SUCCESS);
                }
            }
            case 2 -> {
                String url = server.register(new StreamTarget.PortForward("sb", List.of(), EchoServer.dialer(Map.of(80, echo))));
                try (SpdyTestClient c = SpdyTestClient.connect(clients, url, List.of("portforward.k8s.io"))) {
                    SpdyTestClient.ClientStream error = c.open(Map.of("streamtype", "error", "requestid", "0", "port", "80"));
                    SpdyTestClient.ClientStream data = c.open(Map.of("streamtype", "data", "requestid", "0", "port", "80"));
                    c.send(data, "z");
                    c.fin(data);
                    assertThat(data.awaitFin()).isTrue();
                    assertThat(error.awaitFin()).isTrue();
                    assertThat(data.text()).isEqualTo("pod>z");
                }
            }
            default -> {
                FakeSessions.Blocks p = new FakeSessions.Blocks();
                java.util.concurrent.CountDownLatch opened = new java.util.concurrent.CountDownLatch(1);
                String url = server.register(exec(request(false, true, false, false, "sleep"), p, opened));
                SpdyTestClient c = SpdyTestClient.connect(clients, url, TestServers.V4);
                c.stream("error");
                c.stream("stdout");
                assertThat(opened.await(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
                c.close();
                assertThat(p.awaitClosed(5)).isTrue();
            }
        }
    }
}
