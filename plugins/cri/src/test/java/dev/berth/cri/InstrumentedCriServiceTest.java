package dev.berth.cri;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.api.cri.v1.AuthConfig;
import dev.berth.api.cri.v1.Image;
import dev.berth.api.cri.v1.ImageSpec;
import dev.berth.api.cri.v1.StreamImagesRequest;
import dev.berth.api.cri.v1.StreamImagesResponse;
import dev.berth.api.cri.v1.PullImageRequest;
import dev.berth.api.cri.v1.StopContainerRequest;
import dev.berth.api.cri.v1.VersionRequest;
import dev.berth.api.cri.v1.VersionResponse;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.metrics.Metrics;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class InstrumentedCriServiceTest {
    private final Metrics metrics = new Metrics();
    private final InstrumentedCriService rpc = new InstrumentedCriService(metrics);

    /** Records what a call sent. */
    static final class Recorder<T> implements StreamObserver<T> {
        final List<T> values = new ArrayList<>();
        Throwable error;
        boolean completed;

        @Override
        public void onNext(T value) {
            values.add(value);
        }

        @Override
        public void onError(Throwable t) {
            error = t;
        }

        @Override
        public void onCompleted() {
            completed = true;
        }

        Status status() {
            return ((StatusRuntimeException) error).getStatus();
        }
    }

    @Test
    void aStreamingListSendsItsItemsInOrderInChunksUnderTheLimit() {
        List<Image> images = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            images.add(Image.newBuilder().setId(String.format("%04d", i)).addRepoTags("x".repeat(1000)).build());
        }
        Recorder<StreamImagesResponse> out = new Recorder<>();
        rpc.chunked("StreamImages", StreamImagesRequest.getDefaultInstance(), out, q -> images,
                items -> StreamImagesResponse.newBuilder().addAllImages(items).build());
        assertThat(out.completed).isTrue();
        assertThat(out.values).hasSizeBetween(3, 4)
                .allMatch(r -> r.getSerializedSize() <= InstrumentedCriService.CHUNK_BYTES + 16);
        assertThat(out.values.stream().flatMap(r -> r.getImagesList().stream())).containsExactlyElementsOf(images);

        Recorder<StreamImagesResponse> empty = new Recorder<>();
        rpc.chunked("StreamImages", StreamImagesRequest.getDefaultInstance(), empty, q -> List.<Image>of(),
                items -> StreamImagesResponse.newBuilder().addAllImages(items).build());
        assertThat(empty.values).isEmpty();
        assertThat(empty.completed).isTrue();
    }

    @Test
    void successSendsTheResponseAndCountsOk() {
        Recorder<VersionResponse> out = new Recorder<>();
        rpc.unary("Version", VersionRequest.getDefaultInstance(), out, r -> VersionResponse.newBuilder().setRuntimeName("berth").build());
        assertThat(out.values).extracting(VersionResponse::getRuntimeName).containsExactly("berth");
        assertThat(out.completed).isTrue();
        assertThat(metrics.writeText()).contains("berth_cri_requests_total{method=\"Version\",code=\"OK\"} 1");
    }

    @Test
    void errorKindsBecomeTheirStatusCodes() {
        for (ErrorKind kind : ErrorKind.values()) {
            Recorder<VersionResponse> out = new Recorder<>();
            rpc.unary("Version", VersionRequest.getDefaultInstance(), out, r -> {
                throw new BerthException(kind, "said " + kind);
            });
            assertThat(out.status().getCode().name()).isEqualTo(kind.name());
            assertThat(out.status().getDescription()).isEqualTo("said " + kind);
            assertThat(out.values).isEmpty();
        }
    }

    @Test
    void unexpectedExceptionsAreInternalWithARequestIdAndTheServiceGoesOn() {
        Recorder<VersionResponse> out = new Recorder<>();
        rpc.unary("Version", VersionRequest.getDefaultInstance(), out, r -> {
            throw new NullPointerException("bug");
        });
        assertThat(out.status().getCode()).isEqualTo(Status.Code.INTERNAL);
        assertThat(out.status().getDescription()).matches("internal error \\(request [0-9a-f]+\\): java.lang.NullPointerException: bug");
        assertThat(metrics.writeText()).contains("code=\"INTERNAL\"} 1");
    }

    /** Found by CriFuzzIT: a 100 KiB image name quoted in a NOT_FOUND burst the trailer and came back INTERNAL. */
    @Test
    void descriptionsQuotingHugeInputsAreCutToFitTheTrailer() {
        Recorder<VersionResponse> out = new Recorder<>();
        String huge = "\u00fc".repeat(100_000);
        rpc.unary("RemoveImage", VersionRequest.getDefaultInstance(), out, r -> {
            throw BerthException.notFound("image \"%s\" not found", huge);
        });
        assertThat(out.status().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(out.status().getDescription()).startsWith("image \"\u00fc\u00fc").endsWith("(100018 chars)")
                .hasSizeLessThan(ErrorMapping.MAX_DESCRIPTION + 20);
    }

    @Test
    void aFullDiskOrFileTableAnywhereInTheCausesIsResourceExhaustedNotInternal() {
        Recorder<VersionResponse> out = new Recorder<>();
        rpc.unary("RunPodSandbox", VersionRequest.getDefaultInstance(), out, r -> {
            throw new java.io.UncheckedIOException(new java.nio.file.FileSystemException("/var/lib/berth/x", null,
                    "No space left on device"));
        });
        assertThat(out.status().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(out.status().getDescription()).startsWith("no space left on the device: ").contains("/var/lib/berth/x");

        Recorder<VersionResponse> fds = new Recorder<>();
        rpc.unary("PullImage", VersionRequest.getDefaultInstance(), fds, r -> {
            throw new BerthException(ErrorKind.INTERNAL, "opening ingest", new java.io.IOException("Too many open files"));
        });
        assertThat(fds.status().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(fds.status().getDescription()).isEqualTo("out of file descriptors: opening ingest");

        Recorder<VersionResponse> notFound = new Recorder<>();
        rpc.unary("PullImage", VersionRequest.getDefaultInstance(), notFound, r -> {
            throw new BerthException(ErrorKind.UNAVAILABLE, "registry unreachable", new java.io.IOException("Too many open files"));
        });
        assertThat(notFound.status().getCode()).as("a kind chosen on purpose stays").isEqualTo(Status.Code.UNAVAILABLE);
    }

    @Test
    void invalidRequestsNeverReachTheWork() {
        Recorder<VersionResponse> out = new Recorder<>();
        List<Object> reached = new ArrayList<>();
        rpc.unary("StopContainer", StopContainerRequest.getDefaultInstance(), out, r -> {
            reached.add(r);
            return VersionResponse.getDefaultInstance();
        });
        assertThat(reached).isEmpty();
        assertThat(out.status().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    }

    @Test
    void credentialsAreRedactedBeforeLogging() {
        PullImageRequest req = PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage("busybox"))
                .setAuth(AuthConfig.newBuilder().setUsername("u").setPassword("secret").setIdentityToken("tok")).build();
        String logged = com.google.protobuf.TextFormat.shortDebugString(InstrumentedCriService.redacted(req));
        assertThat(logged).contains("busybox").doesNotContain("secret", "tok", "username");
    }
}
