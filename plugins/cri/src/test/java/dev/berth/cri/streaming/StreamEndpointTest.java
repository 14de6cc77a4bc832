package dev.berth.cri.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

class StreamEndpointTest {
    private static final StreamTarget TARGET = new StreamTarget.PortForward("sb", List.of(80), port -> null);

    @Test
    void theServerListensFromTheFirstRegistrationOnAndIsReused() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort(); // free now; the endpoint must not take it before it is used
        }
        try (StreamEndpoint e = new StreamEndpoint(settings("stream_server_port = \"" + port + "\""))) {
            assertThat(connects(port)).as("nothing listens before the first streaming call").isFalse();
            String first = e.register(TARGET);
            assertThat(URI.create(first).getPort()).isEqualTo(port);
            assertThat(connects(port)).isTrue();
            assertThat(URI.create(e.register(TARGET)).getPort()).as("one server for every call").isEqualTo(port);
        }
        assertThat(connects(port)).as("closed with the endpoint").isFalse();
    }

    @Test
    void aTakenPortFailsTheCallNotTheDaemonAndAClosedEndpointRefuses() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            StreamEndpoint e = new StreamEndpoint(settings("stream_server_port = \"" + taken.getLocalPort() + "\""));
            assertThatThrownBy(() -> e.register(TARGET)).isInstanceOfSatisfying(BerthException.class,
                    x -> assertThat(x.kind()).isEqualTo(ErrorKind.UNAVAILABLE)).hasMessageContaining("cannot listen");
            e.close();
            assertThatThrownBy(() -> e.register(TARGET)).hasMessageContaining("shut down");
        }
    }

    private static StreamSettings settings(String hocon) {
        return StreamSettings.from(ConfigFactory.parseString(hocon));
    }

    private static boolean connects(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
