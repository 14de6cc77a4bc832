package dev.berth.cri.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The plain-HTTP client is built without setting up TLS, and still speaks HTTP. */
class PlainHttpClientTest {
    @Test
    void plainHttpOnlyContextServesHttpAndRefusesTls() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v2/", ex -> {
            byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        try {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .sslContext(TlsContexts.plainHttpOnly()).sslParameters(TlsContexts.plainHttpOnlyParameters()).build();
            URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v2/");
            HttpResponse<String> resp = client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(resp.statusCode()).isEqualTo(200);
            assertThat(resp.body()).isEqualTo("{}");
        } finally {
            server.stop(0);
        }
        assertThatThrownBy(() -> TlsContexts.plainHttpOnly().createSSLEngine("example.com", 443))
                .isInstanceOf(UnsupportedOperationException.class);
    }
}
