package dev.berth.itest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.api.cri.v1.CheckpointContainerRequest;
import dev.berth.api.cri.v1.ContainerStatusRequest;
import dev.berth.api.cri.v1.ExecRequest;
import dev.berth.api.cri.v1.ListMetricDescriptorsRequest;
import dev.berth.api.cri.v1.StreamContainerStatsRequest;
import dev.berth.api.cri.v1.StreamContainersRequest;
import dev.berth.api.cri.v1.StreamImagesRequest;
import dev.berth.api.cri.v1.StreamPodSandboxMetricsRequest;
import dev.berth.api.cri.v1.StreamPodSandboxStatsRequest;
import dev.berth.api.cri.v1.StreamPodSandboxesRequest;
import dev.berth.api.cri.v1.PodSandboxStatsRequest;
import dev.berth.api.cri.v1.RunPodSandboxRequest;
import dev.berth.api.cri.v1.RuntimeCondition;
import dev.berth.api.cri.v1.StatusRequest;
import dev.berth.api.cri.v1.StatusResponse;
import dev.berth.api.cri.v1.VersionRequest;
import dev.berth.api.cri.v1.VersionResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Version, Status, error mapping and metrics of a real berthd, over its unix socket. */
@ExtendWith(Daemons.class)
class CriBasicsIT {
    @Test
    void versionNamesBerthAndTheCriApi(Daemons.Session s) throws Exception {
        Berthd d = s.start(s.config());
        VersionResponse v = d.runtime().version(VersionRequest.newBuilder().setVersion("v1").build());
        assertThat(v.getRuntimeName()).isEqualTo("berth");
        assertThat(v.getRuntimeApiVersion()).isEqualTo("v1");
        assertThat(v.getVersion()).isEqualTo("0.1.0");
        assertThat(v.getRuntimeVersion()).matches("\\d+\\.\\d+\\.\\d+.*");
    }

    @Test
    void statusReportsWhatIsMissingTruthfully(Daemons.Session s) throws Exception {
        TestConfig c = s.config();
        Path noNetworks = Files.createDirectories(c.dir().resolve("empty-net.d"));
        Berthd d = s.start(c.append("[plugins.\"io.berth.sandbox.controller.v1.podsandbox\"]\ncni_conf_dir = \""
                + noNetworks + "\"\n[plugins.\"io.berth.runtime.v2.runc\"]\nruntime_path = \"/nonexistent/runc\"\n"));
        StatusResponse st = d.runtime().status(StatusRequest.newBuilder().setVerbose(true).build());
        Map<String, RuntimeCondition> byType = st.getStatus().getConditionsList().stream()
                .collect(Collectors.toMap(RuntimeCondition::getType, x -> x));
        // the runtime shim cannot find its OCI runtime, so the runtime may not claim readiness
        assertThat(byType.get("RuntimeReady").getStatus()).isFalse();
        assertThat(byType.get("RuntimeReady").getReason()).isEqualTo("RuntimePluginNotReady");
        assertThat(byType.get("RuntimeReady").getMessage()).contains("io.berth.runtime.v2");
        // the sandbox controller runs, but without a CNI config it cannot network pods, and says where it looked
        assertThat(byType.get("NetworkReady").getStatus()).isFalse();
        assertThat(byType.get("NetworkReady").getReason()).isEqualTo("NetworkPluginNotReady");
        assertThat(byType.get("NetworkReady").getMessage()).isEqualTo("no network config in " + noNetworks);
        assertThat(st.getInfoMap().get("plugins")).contains("\"id\":\"podsandbox\"");
        assertThat(st.getInfoMap().get("config")).contains(d.socket().toString()).startsWith("{");
        assertThat(st.getInfoMap().get("plugins")).contains("\"id\":\"cri\"", "\"status\":\"ok\"");
        assertThat(d.runtime().status(StatusRequest.getDefaultInstance()).getInfoMap()).isEmpty();
    }

    @Test
    void everyNewerRpcAnswers(Daemons.Session s) throws Exception {
        Berthd d = s.start(s.config());
        // in-place pod resize: the pod must exist; the values must be limits
        assertThatThrownBy(() -> d.runtime().updatePodSandboxResources(dev.berth.api.cri.v1.UpdatePodSandboxResourcesRequest
                .newBuilder().setPodSandboxId("abc").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
        // the streaming list twins answer with the (here empty) lists
        assertThat(d.runtime().listMetricDescriptors(ListMetricDescriptorsRequest.getDefaultInstance())
                .getDescriptorsList()).isNotEmpty();
        assertThat(d.runtime().streamPodSandboxes(StreamPodSandboxesRequest.getDefaultInstance())).toIterable().isEmpty();
        assertThat(d.runtime().streamContainers(StreamContainersRequest.getDefaultInstance())).toIterable().isEmpty();
        assertThat(d.runtime().streamContainerStats(StreamContainerStatsRequest.getDefaultInstance())).toIterable().isEmpty();
        assertThat(d.runtime().streamPodSandboxStats(StreamPodSandboxStatsRequest.getDefaultInstance())).toIterable().isEmpty();
        assertThat(d.runtime().streamPodSandboxMetrics(StreamPodSandboxMetricsRequest.getDefaultInstance())).toIterable().isEmpty();
        assertThat(d.images().streamImages(StreamImagesRequest.getDefaultInstance())).toIterable().isEmpty();
        // landed RPCs answer: an unknown pod or container is NOT_FOUND, not UNIMPLEMENTED
        assertThatThrownBy(() -> d.runtime().checkpointContainer(CheckpointContainerRequest.newBuilder()
                .setContainerId("abc").setLocation(s.config().dir().resolve("c.tar").toString()).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
        assertThatThrownBy(() -> d.runtime().exec(ExecRequest.newBuilder().setContainerId("abc").addCmd("sh")
                .setStdout(true).build())).isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
        assertThatThrownBy(() -> d.runtime().podSandboxStats(PodSandboxStatsRequest.newBuilder().setPodSandboxId("abc").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    }

    @Test
    void badInputIsInvalidArgumentNamingTheField(Daemons.Session s) throws Exception {
        Berthd d = s.start(s.config());
        assertThatThrownBy(() -> d.runtime().containerStatus(ContainerStatusRequest.getDefaultInstance()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).isEqualTo("ContainerStatusRequest: container_id is required");
                });
        assertThatThrownBy(() -> d.runtime().containerStatus(ContainerStatusRequest.newBuilder().setContainerId("../../etc").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).contains("container_id", "'../../etc'", "not a valid id");
                });
        assertThatThrownBy(() -> d.runtime().runPodSandbox(RunPodSandboxRequest.getDefaultInstance()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getDescription()).isEqualTo("RunPodSandboxRequest: config is required"));
        // the daemon is still fine afterwards
        assertThat(d.runtime().version(VersionRequest.getDefaultInstance()).getRuntimeName()).isEqualTo("berth");
    }

    @Test
    void messageSizeLimitsAreHonoured(Daemons.Session s) throws Exception {
        Berthd d = s.start(s.config().grpc("max_recv_message_size = 1024").grpc("max_send_message_size = 200"));
        RunPodSandboxRequest big = RunPodSandboxRequest.newBuilder().setConfig(dev.berth.api.cri.v1.PodSandboxConfig.newBuilder()
                .putAnnotations("big", "x".repeat(2000))).build();
        assertThatThrownBy(() -> d.runtime().runPodSandbox(big)).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
        // the verbose Status carries the whole config: far over 200 bytes
        assertThatThrownBy(() -> d.runtime().status(StatusRequest.newBuilder().setVerbose(true).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                    assertThat(e.getStatus().getDescription()).contains("max_send_message_size");
                });
        assertThat(d.runtime().version(VersionRequest.getDefaultInstance()).getRuntimeName()).isEqualTo("berth");
    }

    @Test
    void socketIsPrivateToRootAndGroup(Daemons.Session s) throws Exception {
        Berthd d = s.start(s.config());
        assertThat(Files.getPosixFilePermissions(d.socket())).isEqualTo(PosixFilePermissions.fromString("rw-rw----"));
        assertThat(Files.getPosixFilePermissions(d.socket().getParent())).isEqualTo(PosixFilePermissions.fromString("rwx--x--x"));
    }

    @Test
    void metricsEndpointCountsCriCalls(Daemons.Session s) throws Exception {
        int port;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Berthd d = s.start(s.config().append("[metrics]\naddress = \"127.0.0.1:" + port + "\"\n"));
        d.runtime().version(VersionRequest.getDefaultInstance());
        HttpResponse<String> resp = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(resp.statusCode()).isEqualTo(200);
        assertThat(resp.body()).containsPattern("berth_cri_requests_total\\{method=\"Version\",code=\"OK\"} [1-9]");
        assertThat(resp.body()).contains("berth_cri_request_duration_seconds_bucket{method=\"Version\",le=\"+Inf\"}");
    }
}
