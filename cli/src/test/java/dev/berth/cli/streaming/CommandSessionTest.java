package dev.berth.cli.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** An exec session against {@link FakeChannelServer}: what goes over the wire, and what the user sees. */
class CommandSessionTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final String NON_ZERO = "{\"metadata\":{},\"status\":\"Failure\",\"message\":\"exit code 3\","
            + "\"reason\":\"NonZeroExitCode\",\"details\":{\"causes\":[{\"reason\":\"ExitCode\",\"message\":\"3\"}]}}";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    void fragmentedOutputStdinWithItsCloseSignalAndTheExitCode() throws Exception {
        List<FakeChannelServer.Frame> fromClient = new CopyOnWriteArrayList<>();
        byte[] big = new byte[70_000];
        Arrays.fill(big, (byte) 'z');
        try (FakeChannelServer server = new FakeChannelServer(c -> {
            c.upgrade("v5.channel.k8s.io");
            c.send(1, new byte[0]); // ready
            c.frame(2, false, new byte[] {1, 'h', 'e'});
            c.frame(0, false, "l".getBytes(StandardCharsets.US_ASCII));
            c.frame(0, true, "lo\n".getBytes(StandardCharsets.US_ASCII));
            byte[] first = new byte[35_001];
            first[0] = 1;
            System.arraycopy(big, 0, first, 1, 35_000);
            c.frame(2, false, first);
            c.frame(0, true, Arrays.copyOfRange(big, 35_000, 70_000));
            c.send(2, "oops\n".getBytes(StandardCharsets.US_ASCII));
            fromClient.addAll(c.readUntil(f -> f.payload().length == 2 && (f.payload()[0] & 0xff) == 255));
            c.send(3, NON_ZERO.getBytes(StandardCharsets.UTF_8));
            c.close();
            c.read(); // the client's answer to the close
        })) {
            ExitStatus end = session(new ByteArrayInputStream("typed\n".getBytes(StandardCharsets.US_ASCII)))
                    .run(server.url("/exec/tok"), new CommandSession.Options(true, false), null, false);

            assertThat(end).isEqualTo(new ExitStatus(3, ""));
            server.awaitScripts(1);
            String stdout = out.toString(StandardCharsets.US_ASCII);
            assertThat(stdout).startsWith("hello\n").endsWith("z").hasSize(6 + 70_000);
            assertThat(err.toString(StandardCharsets.US_ASCII)).isEqualTo("oops\n");
            assertThat(fromClient).extracting(f -> new String(f.payload(), StandardCharsets.ISO_8859_1))
                    .containsExactly("\u0000typed\n", "\u00ff\u0000");
            assertThat(fromClient).allSatisfy(f -> assertThat(f.opcode()).isEqualTo(2));
            String head = server.requestHeads().get(0);
            assertThat(head).startsWith("GET /exec/tok ").containsIgnoringCase("Sec-WebSocket-Protocol: v5.channel.k8s.io, v4.channel.k8s.io");
            assertThat(server.failures()).isEmpty();
        }
    }

    @Test
    void v4GetsNoCloseSignalAndSuccessIsZero() throws Exception {
        List<FakeChannelServer.Frame> fromClient = new CopyOnWriteArrayList<>();
        try (FakeChannelServer server = new FakeChannelServer(c -> {
            c.upgrade("v4.channel.k8s.io");
            fromClient.add(c.read());
            Thread.sleep(300); // time for a close signal, which must not come
            c.send(3, "{\"metadata\":{},\"status\":\"Success\"}".getBytes(StandardCharsets.UTF_8));
            c.close();
            fromClient.add(c.read());
        })) {
            ExitStatus end = session(new ByteArrayInputStream("x".getBytes(StandardCharsets.US_ASCII)))
                    .run(server.url("/exec/tok"), new CommandSession.Options(true, false), null, false);
            assertThat(end).isEqualTo(ExitStatus.SUCCESS);
            server.awaitScripts(1);
            assertThat(fromClient).extracting(FakeChannelServer.Frame::opcode).containsExactly(2, 8);
        }
    }

    @Test
    void aRefusedUpgradeNamesTheStatusAndTheBody() throws Exception {
        try (FakeChannelServer server = new FakeChannelServer(c -> c.refuse(404, "token not found\n"))) {
            assertThatThrownBy(() -> session(InputStream.nullInputStream())
                    .run(server.url("/exec/used"), new CommandSession.Options(false, false), null, false))
                    .isInstanceOfSatisfying(UpgradeRefused.class, e -> assertThat(e.status()).isEqualTo(404))
                    .hasMessage("the streaming server refused the connection: HTTP 404: token not found");
        }
    }

    @Test
    void aConnectionThatBreaksBeforeTheStatusIsAnError() throws Exception {
        try (FakeChannelServer server = new FakeChannelServer(c -> {
            c.upgrade("v5.channel.k8s.io");
            c.send(1, "partial".getBytes(StandardCharsets.US_ASCII));
            Thread.sleep(300);
            // and the socket closes without a status or a close frame
        })) {
            assertThatThrownBy(() -> session(InputStream.nullInputStream())
                    .run(server.url("/exec/tok"), new CommandSession.Options(false, false), null, false))
                    .hasMessageContaining("the stream broke before the command ended");
            assertThat(out.toString(StandardCharsets.US_ASCII)).isEqualTo("partial");
        }
    }

    private CommandSession session(InputStream in) {
        return new CommandSession(http, TIMEOUT, new CommandSession.Io(in, out, err));
    }
}
