package dev.berth.cri.containers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.berth.api.cri.v1.CheckpointContainerRequest;
import dev.berth.api.cri.v1.ContainerConfig;
import dev.berth.api.cri.v1.ContainerMetadata;
import dev.berth.api.cri.v1.ImageSpec;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointConversionTest {
    @TempDir
    Path dir;

    @Test
    void locationIsAnAbsoluteFileInAnExistingDirectory() throws Exception {
        assertThat(CheckpointConversion.location(at(dir + "/a/../c.tar"))).isEqualTo(dir.resolve("c.tar"));
        Files.writeString(dir.resolve("old.tar"), "replaced by the new archive");
        assertThat(CheckpointConversion.location(at(dir + "/old.tar"))).isEqualTo(dir.resolve("old.tar"));

        invalid(at(""), "location is required");
        invalid(at("c.tar"), "location \"c.tar\" must be an absolute path");
        invalid(at(dir + "/missing/c.tar"), "location \"" + dir + "/missing/c.tar\": directory " + dir.resolve("missing")
                + " does not exist");
        invalid(at(dir.toString()), "is a directory");
        invalid(at("/"), "must name a file");
        invalid(at("/tmp/a\0b"), "location");
    }

    @Test
    void zeroTimeoutIsTheDefaultAndNegativeIsRefused() {
        assertThat(CheckpointConversion.timeout(CheckpointContainerRequest.newBuilder().setTimeout(7).build()))
                .isEqualTo(Duration.ofSeconds(7));
        assertThat(CheckpointConversion.timeout(CheckpointContainerRequest.getDefaultInstance()))
                .isEqualTo(CheckpointConversion.DEFAULT_TIMEOUT);
        invalid(() -> CheckpointConversion.timeout(CheckpointContainerRequest.newBuilder().setTimeout(-1).build()),
                "timeout must not be negative");
    }

    @Test
    void configDumpHasTheFieldsCheckpointctlReads() {
        ContainerConfig c = ContainerConfig.newBuilder().setMetadata(ContainerMetadata.newBuilder().setName("counter"))
                .setImage(ImageSpec.newBuilder().setImage("docker.io/library/busybox:latest")).build();
        ContainerRecord r = ContainerRecord.of("c1", "p1", "runc", "sha256:abc", "docker.io/library/busybox@sha256:def",
                "c1", "", 1_700_000_000_123_456_789L, "", c);
        JsonObject o = JsonParser.parseString(new String(CheckpointConversion.configDump(r, "crun",
                Instant.parse("2024-01-02T03:04:05Z")), StandardCharsets.UTF_8)).getAsJsonObject();
        assertThat(o.get("id").getAsString()).isEqualTo("c1");
        assertThat(o.get("name").getAsString()).isEqualTo("counter");
        assertThat(o.get("rootfsImage").getAsString()).isEqualTo("sha256:abc");
        assertThat(o.get("rootfsImageRef").getAsString()).isEqualTo("docker.io/library/busybox@sha256:def");
        assertThat(o.get("rootfsImageName").getAsString()).isEqualTo("docker.io/library/busybox:latest");
        assertThat(o.get("runtime").getAsString()).isEqualTo("crun");
        assertThat(o.get("createdTime").getAsString()).isEqualTo("2023-11-14T22:13:20.123456789Z");
        assertThat(o.get("checkpointedTime").getAsString()).isEqualTo("2024-01-02T03:04:05Z");
    }

    private static CheckpointContainerRequest at(String location) {
        return CheckpointContainerRequest.newBuilder().setContainerId("c1").setLocation(location).build();
    }

    private static void invalid(CheckpointContainerRequest q, String message) {
        invalid(() -> CheckpointConversion.location(q), message);
    }

    private static void invalid(Runnable call, String message) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(BerthException.class, e -> {
            assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
            assertThat(e.getMessage()).contains(message);
        });
    }
}
