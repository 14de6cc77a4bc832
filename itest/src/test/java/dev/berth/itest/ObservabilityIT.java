package dev.berth.itest;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.berth.api.cri.v1.ImageSpec;
import dev.berth.api.cri.v1.PullImageRequest;
import dev.berth.api.cri.v1.RemoveImageRequest;
import dev.berth.api.cri.v1.VersionRequest;
import dev.berth.itest.registry.LocalRegistry;
import dev.berth.itest.registry.Registries;
import dev.berth.itest.registry.TestImages;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What an operator watches: the Prometheus endpoint of a real berthd after a pull and a garbage collection (bytes
 * pulled, GC runs, plugin states, per-RPC latency, the JVM and the process), and logs in JSON, one object per line.
 */
@ExtendWith({Daemons.class, Registries.Extension.class})
class ObservabilityIT {
    private static final long GC_WAIT_MILLIS = 30_000;

    @Test
    void metricsCountPulledBytesGcRunsPluginStatesAndTheProcess(Daemons.Session s, Registries r) throws Exception {
        LocalRegistry reg = r.start();
        TestImages.Pushed busybox = reg.push(r.build(TestImages.busybox(), "1"), "busybox:1");
        int port = freePort();
        Berthd d = s.start(s.config().append("[metrics]\naddress = \"127.0.0.1:" + port + "\"\n")
                .append("[plugins.\"io.berth.grpc.v1.cri\"]\ngc_interval = \"1h\"\n"));

        d.images().pullImage(PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(busybox.reference())).build());

        TestImages.PlatformImage img = busybox.layout().host();
        String text = scrape(port);
        assertThat(value(text, "berth_image_pull_bytes_total")).as("manifest, config and layers")
                .isGreaterThanOrEqualTo(img.layersSize() + img.config().size() + img.manifest().size());
        assertThat(text).contains("# TYPE berth_image_pull_bytes_total counter\n",
                "berth_cri_requests_total{method=\"PullImage\",code=\"OK\"} 1\n",
                "berth_cri_request_duration_seconds_count{method=\"PullImage\"} 1\n",
                "berth_cri_request_duration_seconds_bucket{method=\"PullImage\",le=\"+Inf\"} 1\n",
                "# TYPE berth_plugin_state gauge\n",
                "berth_plugin_state{type=\"io.berth.grpc.v1\",id=\"cri\",state=\"ok\"} 1\n",
                "berth_plugin_state{type=\"io.berth.grpc.v1\",id=\"cri\",state=\"error\"} 0\n",
                "berth_plugin_state{type=\"io.berth.snapshotter.v1\",id=\"overlayfs\",state=\"ok\"} 1\n",
                "# TYPE berth_jvm_gc_collections_total counter\n", "berth_jvm_gc_collections_total{gc=\"");
        assertThat(value(text, "berth_process_resident_memory_bytes")).isGreaterThan(10 << 20);
        assertThat(value(text, "berth_process_open_fds")).isGreaterThan(3);
        assertThat(value(text, "berth_image_gc_runs_total{result=\"ok\"}")).as("the collection at start").isGreaterThanOrEqualTo(1);

        d.images().removeImage(RemoveImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(busybox.reference())).build());

        // RemoveImage sets off a collection in the background: manifest, config and every layer go
        String removed = "berth_image_gc_last_removed{kind=\"blob\"} " + (img.layers().size() + 2) + "\n";
        long deadline = System.nanoTime() + GC_WAIT_MILLIS * 1_000_000;
        while (!scrape(port).contains(removed) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        text = scrape(port);
        assertThat(text).contains(removed, "berth_cri_requests_total{method=\"RemoveImage\",code=\"OK\"} 1\n");
        assertThat(value(text, "berth_image_gc_runs_total{result=\"ok\"}")).isGreaterThanOrEqualTo(2);
        assertThat(value(text, "berth_image_gc_removed_bytes_total{kind=\"blob\"}")).isGreaterThanOrEqualTo(img.layersSize());
        assertThat(value(text, "berth_image_gc_last_removed{kind=\"snapshot\"}")).isEqualTo(img.layers().size());
        assertThat(value(text, "berth_image_gc_last_duration_seconds")).isPositive();
        assertThat(text).doesNotContain("berth_image_gc_runs_total{result=\"error\"}");
    }

    @Test
    void jsonLogsAreOneObjectPerLineWithTheCallsKeyValues(Daemons.Session s) throws Exception {
        Berthd d = s.start(s.config().debug("format = \"json\""));
        d.runtime().version(VersionRequest.getDefaultInstance());

        List<String> lines = d.log().lines().filter(l -> !l.isBlank()).toList();
        assertThat(lines).isNotEmpty();
        JsonObject call = null;
        for (String line : lines) {
            JsonObject o = JsonParser.parseString(line).getAsJsonObject();
            assertThat(o.keySet()).as(line).startsWith("time", "level", "logger", "msg");
            assertThat(o.get("time").getAsString()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z");
            assertThat(o.get("level").getAsString()).isIn("trace", "debug", "info", "warn", "error");
            if (o.get("msg").getAsString().equals("cri call") && o.has("method") && o.get("method").getAsString().equals("Version")) {
                call = o;
            }
        }
        assertThat(call).as("the Version call's line").isNotNull();
        assertThat(call.get("logger").getAsString()).isEqualTo("dev.berth.cri.InstrumentedCriService");
        assertThat(call.get("code").getAsString()).isEqualTo("OK");
        assertThat(call.get("request_id").getAsString()).isNotEmpty();
        assertThat(Double.parseDouble(call.get("ms").getAsString())).isNotNegative();
    }

    private static int freePort() throws Exception {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    private static String scrape(int port) throws Exception {
        HttpResponse<String> resp = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(resp.statusCode()).isEqualTo(200);
        assertThat(resp.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain; version=0.0.4"));
        return resp.body();
    }

    /** The value of the sample {@code series} (a name with its labels, if any). */
    private static double value(String text, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
        assertThat(m.find()).as("%s in:%n%s", series, text).isTrue();
        return Double.parseDouble(m.group(1));
    }
}
