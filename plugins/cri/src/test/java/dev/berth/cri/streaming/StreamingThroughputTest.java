package dev.berth.cri.streaming;

import static dev.berth.cri.streaming.FakeSessions.exec;
import static dev.berth.cri.streaming.FakeSessions.request;
import static dev.berth.cri.streaming.TestServers.type;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoopGroup;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * 100 MiB of a session's stdout to a SPDY client over loopback, every byte checked; prints the rate. A smaller run
 * first lets the JIT compile the path, so the number describes the server rather than the interpreter.
 */
class StreamingThroughputTest {
    @Test
    void hundredMebibytesOfStdout() throws Exception {
        EventLoopGroup clients = TestServers.clients();
        try (StreamServer server = TestServers.start()) {
            double warmUp = copy(server, clients, 20L << 20);
            double rate = copy(server, clients, 100L << 20);
            System.out.printf("STREAMING THROUGHPUT: 100 MiB stdout -> SPDY client, verified: %.0f MB/s (warm-up run of 20 MiB: %.0f MB/s)%n",
                    rate, warmUp);
        } finally {
            TestServers.shutdown(clients);
        }
    }

    /** @return MB/s */
    private static double copy(StreamServer server, EventLoopGroup clients, long size) throws Exception {
        String url = server.register(exec(request(false, true, false, false, "cat", "big"), new FakeSessions.Bulk(size)));
        try (SpdyTestClient c = SpdyTestClient.connect(clients, url, TestServers.V4)) {
            SpdyTestClient.ClientStream error = c.stream("error");
            long t0 = System.nanoTime();
            SpdyTestClient.ClientStream stdout = c.open(type("stdout"), false);
            stdout.verifyBulk = true;
            assertThat(stdout.fin.await(60, TimeUnit.SECONDS)).isTrue();
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertThat(stdout.count).hasValue(size);
            assertThat(stdout.mismatches).hasValue(0);
            assertThat(error.awaitFin()).isTrue();
            return size / 1e6 / seconds;
        }
    }
}
