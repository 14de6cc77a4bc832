package dev.berth.cri.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoopGroup;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A client event loop for the test class and a stream server for each test, started on first use and closed after
 * the test. Register it as a static field with {@code @RegisterExtension}.
 */
final class StreamServerFixture implements BeforeAllCallback, AfterAllCallback, AfterEachCallback {
    private EventLoopGroup clients;
    private StreamServer server;

    @Override
    public void beforeAll(ExtensionContext context) {
        clients = TestServers.clients();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        TestServers.shutdown(clients);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        closeServer();
    }

    private void closeServer() {
        if (server != null) {
            server.close();
            server = null;
        }
    }

    EventLoopGroup clients() {
        return clients;
    }

    /** This test's server, with default settings unless {@link #start(String)} chose others. */
    StreamServer server() {
        return server != null ? server : start("");
    }

    /**
     * Connects over SPDY to {@code p}, a command that runs until closed, opening its error and stdout streams; returns
     * once the command started.
     */
    SpdyTestClient connectToRunning(FakeSessions.Blocks p) throws Exception {
        CountDownLatch opened = new CountDownLatch(1);
        String url = server().register(FakeSessions.exec(FakeSessions.request(false, true, false, false, "sleep"), p, opened));
        SpdyTestClient c = SpdyTestClient.connect(clients, url, TestServers.V4);
        c.stream("error");
        c.stream("stdout");
        assertThat(opened.await(5, TimeUnit.SECONDS)).isTrue();
        return c;
    }

    /** Replaces this test's server with one started with {@code hocon} settings. */
    StreamServer start(String hocon) {
        closeServer();
        server = TestServers.start(hocon);
        return server;
    }
}
