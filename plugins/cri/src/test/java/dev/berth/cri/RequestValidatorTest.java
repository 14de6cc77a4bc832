package dev.berth.cri;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.api.cri.v1.ContainerConfig;
import dev.berth.api.cri.v1.CreateContainerRequest;
import dev.berth.api.cri.v1.ExecSyncRequest;
import dev.berth.api.cri.v1.ImageSpec;
import dev.berth.api.cri.v1.PodSandboxConfig;
import dev.berth.api.cri.v1.PodSandboxMetadata;
import dev.berth.api.cri.v1.PullImageRequest;
import dev.berth.api.cri.v1.RunPodSandboxRequest;
import dev.berth.api.cri.v1.StopContainerRequest;
import dev.berth.api.cri.v1.VersionRequest;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import org.junit.jupiter.api.Test;

class RequestValidatorTest {
    @Test
    void requestsWithoutRequiredFieldsAreRejectedNamingTheField() {
        assertThatThrownBy(() -> RequestValidator.validate(StopContainerRequest.getDefaultInstance()))
                .isInstanceOfSatisfying(BerthException.class, e -> org.assertj.core.api.Assertions.assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
                .hasMessage("StopContainerRequest: container_id is required");
        assertThatThrownBy(() -> RequestValidator.validate(ExecSyncRequest.newBuilder().setContainerId("abc").build()))
                .hasMessage("ExecSyncRequest: cmd is required");
        assertThatThrownBy(() -> RequestValidator.validate(CreateContainerRequest.newBuilder().setPodSandboxId("p")
                .setConfig(ContainerConfig.getDefaultInstance()).build()))
                .hasMessage("CreateContainerRequest: sandbox_config is required");
        assertThatThrownBy(() -> RequestValidator.validate(PullImageRequest.getDefaultInstance()))
                .hasMessage("PullImageRequest: image is required");
    }

    @Test
    void completeRequestsPass() {
        assertThatCode(() -> RequestValidator.validate(VersionRequest.getDefaultInstance())).doesNotThrowAnyException();
        assertThatCode(() -> RequestValidator.validate(ExecSyncRequest.newBuilder().setContainerId("0a1b2c").addCmd("true").build()))
                .doesNotThrowAnyException();
        assertThatCode(() -> RequestValidator.validate(CreateContainerRequest.newBuilder().setPodSandboxId("p1")
                .setConfig(ContainerConfig.getDefaultInstance()).setSandboxConfig(PodSandboxConfig.getDefaultInstance()).build()))
                .doesNotThrowAnyException();
        assertThatCode(() -> RequestValidator.validate(PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage("busybox")).build()))
                .doesNotThrowAnyException();
    }

    @Test
    void idsThatCouldEscapeADirectoryOrInjectAreRejected() {
        for (String bad : new String[] {"../x", "a/b", "/abs", ".hidden", "a b", "x\u0000y", "-flag", "a".repeat(129)}) {
            assertThatThrownBy(() -> RequestValidator.validate(StopContainerRequest.newBuilder().setContainerId(bad).build()))
                    .as(bad).hasMessageContaining("container_id").hasMessageContaining("not a valid id");
        }
        assertThatCode(() -> RequestValidator.validate(StopContainerRequest.newBuilder().setContainerId("a".repeat(128)).build()))
                .doesNotThrowAnyException();
    }

    @Test
    void runPodSandboxNeedsTheMetadataThatIdentifiesThePod() {
        assertThatThrownBy(() -> RequestValidator.validate(RunPodSandboxRequest.newBuilder()
                .setConfig(PodSandboxConfig.getDefaultInstance()).build()))
                .hasMessage("RunPodSandboxRequest: config.metadata is required");
        PodSandboxMetadata.Builder m = PodSandboxMetadata.newBuilder().setNamespace("default").setUid("u1");
        assertThatThrownBy(() -> RequestValidator.validate(RunPodSandboxRequest.newBuilder()
                .setConfig(PodSandboxConfig.newBuilder().setMetadata(m)).build()))
                .hasMessage("RunPodSandboxRequest: config.metadata.name is required");
        assertThatThrownBy(() -> RequestValidator.validate(RunPodSandboxRequest.newBuilder()
                .setConfig(PodSandboxConfig.newBuilder().setMetadata(m.clone().setName("web").clearUid())).build()))
                .hasMessage("RunPodSandboxRequest: config.metadata.uid is required");
        assertThatCode(() -> RequestValidator.validate(RunPodSandboxRequest.newBuilder()
                .setConfig(PodSandboxConfig.newBuilder().setMetadata(m.clone().setName("web"))).build()))
                .doesNotThrowAnyException();
    }
}
