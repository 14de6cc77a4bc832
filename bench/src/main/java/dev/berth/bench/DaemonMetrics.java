package dev.berth.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A daemon's Prometheus endpoint on loopback, read by the harness for the daemon's own view of a workload (how long
 * berthd itself spent in PullImage, how many bytes it fetched), beside what the client measured.
 */
final class DaemonMetrics {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private DaemonMetrics() {
    }

    /** A loopback port nothing listens on right now, for a daemon's metrics endpoint. */
    static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    /** The text of {@code http://127.0.0.1:<port>/metrics}. */
    static String scrape(int port) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
        HttpResponse<String> resp = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
        if (resp.statusCode() != 200) {
            throw new IOException("metrics endpoint on port " + port + " answered HTTP " + resp.statusCode());
        }
        return resp.body();
    }

    /** The value of {@code series} (a metric name with its labels, as exposed), or NaN when it is not there. */
    static double value(String text, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    /**
     * Seconds berthd itself spent in {@code method}, summed over its calls, from the per-RPC histogram; 0 before the
     * first call (a method's series appear with its first call).
     */
    static double rpcSeconds(String text, String method) {
        double v = value(text, "berth_cri_request_duration_seconds_sum{method=\"" + method + "\"}");
        return Double.isNaN(v) ? 0 : v;
    }
}
