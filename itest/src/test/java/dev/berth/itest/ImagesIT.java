package dev.berth.itest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.api.cri.v1.AuthConfig;
import dev.berth.api.cri.v1.FilesystemUsage;
import dev.berth.api.cri.v1.Image;
import dev.berth.api.cri.v1.ImageFilter;
import dev.berth.api.cri.v1.ImageFsInfoRequest;
import dev.berth.api.cri.v1.ImageSpec;
import dev.berth.api.cri.v1.ImageStatusRequest;
import dev.berth.api.cri.v1.ImageStatusResponse;
import dev.berth.api.cri.v1.ListImagesRequest;
import dev.berth.api.cri.v1.PullImageRequest;
import dev.berth.api.cri.v1.RemoveImageRequest;
import dev.berth.itest.registry.LocalRegistry;
import dev.berth.itest.registry.Registries;
import dev.berth.itest.registry.TestImages;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The CRI ImageService contract against a real berthd pulling from a real registry (Debian's docker-registry on
 * 127.0.0.1, plain HTTP), driven the way crictl would: pull, list, status, remove, fs info, errors, auth, mirrors,
 * restart.
 */
@ExtendWith({Daemons.class, Registries.Extension.class})
class ImagesIT {
    private static final String REGISTRY_TABLE = "[plugins.\"io.berth.grpc.v1.cri\".registry]";

    // ---- pull, list, status ----------------------------------------------------------------------------------------

    @Test
    void pullByTagRecordsTheImageUnderItsConfigDigest(Daemons.Session s, Registries r) throws Exception {
        LocalRegistry reg = r.start();
        TestImages.Pushed busybox = reg.push(r.build(TestImages.busybox(), "1"), "busybox:1");
        Berthd d = s.start(config(s));

        String imageRef = d.images().pullImage(pull(busybox.reference())).getImageRef();

        assertThat(imageRef).isEqualTo(busybox.configDigest()).startsWith("sha256:");
        List<Image> images = d.images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList();
        assertThat(images).extracting(Image::getId).containsExactly(imageRef);
        Image listed = images.get(0);
        assertThat(listed.getRepoTagsList()).containsExactly(reg.host() + "/busybox:1");
        assertThat(listed.getRepoDigestsList()).containsExactly(reg.host() + "/busybox@" + busybox.digest());
        // CRI size: containerd counts compressed content, CRI-O unpacked bytes; either is at least the compressed layers
        assertThat(listed.getSize()).isGreaterThanOrEqualTo(busybox.layout().host().layersSize());
        // config.User "app" is a name: username set, uid unset (the CRI says they are mutually exclusive)
        assertThat(listed.getUsername()).isEqualTo("app");
        assertThat(listed.hasUid()).isFalse();
        assertThat(listed.getPinned()).isFalse();

        for (String name : List.of(busybox.reference(), imageRef, busybox.digestReference(), imageRef.substring("sha256:".length()))) {
            Image st = status(d, name).getImage();
            assertThat(st.getId()).as("ImageStatus(%s)", name).isEqualTo(imageRef);
            assertThat(st.getRepoTagsList()).isEqualTo(listed.getRepoTagsList());
            assertThat(st.getRepoDigestsList()).isEqualTo(listed.getRepoDigestsList());
            assertThat(st.getSize()).isEqualTo(listed.getSize());
            assertThat(st.getUsername()).isEqualTo("app");
        }
        // not present: an empty response, not an error
        assertThat(status(d, reg.host() + "/busybox:2").hasImage()).isFalse();
        assertThat(status(d, "127.0.0.1:1/nothing/here:1").hasImage()).isFalse();
        assertThat(status(d, "sha256:" + "0".repeat(64)).hasImage()).isFalse();
    }

    @Test
    void numericUserIsReportedAsUid(Daemons.Session s, Registries r) throws Exception {
        LocalRegistry reg = r.start();
        TestImages.Pushed numeric = reg.push(r.build(TestImages.busybox().user("1000:1000"), "1"), "numeric:1");
        Berthd d = s.start(config(s));

        d.images().pullImage(pull(numeric.reference()));

        Image img = status(d, numeric.reference()).getImage();
        assertThat(img.getId()).isEqualTo(numeric.configDigest());
        assertThat(img.hasUid()).isTrue();
        assertThat(img.getUid().getValue()).isEqualTo(1000L);
        assertThat(img.getUsername()).isEmpty();
    }

    @Test
    void pullByDigestRecordsNoTag(Daemons.Session s, Registries r) throws Exception {
        LocalRegistry reg = r.start();
        TestImages.Pushed busybox = reg.push(r.build(TestImages.busybox(), "1"), "busybox:1");
        Berthd d = s.start(config(s));

        String imageRef = d.images().pullImage(pull(busybox.digestReference())).getImageRef();

        assertThat(imageRef).isEqualTo(busybox.configDigest());
        Image img = status(d, busybox.digestReference()).getImage();
        assertThat(img.getId()).isEqualTo(imageRef);
        assertThat(img.getRepoTagsList()).isEmpty();
        assertThat(img.getRepoDigestsList()).containsExactly(busybox.digestReference());
        assertThat(status(d, busybox.reference()).hasImage()).as("the tag was never pulled").isFalse();
    }

    @Test
    void dockerSchema2ImageIsPulled(Daemons.Session s, Registries r) throws Exception {
        LocalRegistry reg = r.start();
        TestImages.Pushed docker = reg.push(r.build(TestImages.busybox().format(TestImages.Format.DOCKER), "1"), "docker/busybox:1");
        assertThat(docker.mediaType()).isEqualTo(TestImages.DOCKER_MANIFEST);
        Berthd d = s.start(config(s));

        String imageRef = d.images().pullImage(pull(docker.reference())).getImageRef();

        assertThat(imageRef).isEqualTo(docker.configDigest());
        Image img = status(d, docker.reference()).getImage();
        assertThat(img.getRepoTagsList()).containsExactly(docker.reference());
        assertThat(img.getRepoDigestsList()).containsExactly(docker.digestReference());
        assertThat(img.getUsername()).isEqualTo("app");
    }

    @ParameterizedTest
    @EnumSource(TestImages.Format.class)
    void multiPlatformIndexPullsTheHostArchitecture(TestImages.Format format, Daemons.Session s, Registries r) throws Exception {
        LocalRegistry reg = r.start();
        TestImages.Pushed multi = reg.push(r.build(TestImages.busybox().format(format).multiPlatform(), "1"), "multi:1");
        assertThat(multi.mediaType()).isEqualTo(format.indexType);
        Berthd d = s.start(config(s));

        String imageRef = d.images().pullImage(pull(multi.reference())).getImageRef();

        String host = multi.layout().host().config().digest();
        String other = multi.layout().platform(TestImages.otherArchitecture()).config().digest();
        assertThat(imageRef).as("config digest of the %s image, not the %s one", TestImages.hostArchitecture(),
                TestImages.otherArchitecture()).isEqualTo(host).isNotEqualTo(other);
        ImageStatusResponse st = d.images().imageStatus(ImageStatusRequest.newBuilder()
                .setImage(ImageSpec.newBuilder().setImage(multi.reference())).setVerbose(true).build());
        assertThat(st.getImage().getId()).isEqualTo(host);
        // the repo digest is what the tag points at: the index
        assertThat(st.getImage().getRepoDigestsList()).containsExactly(multi.digestReference());
        assertThat(st.getImage().getSize()).isGreaterThanOrEqualTo(multi.layout().host().layersSize());
        assertThat(String.join("\n", st.getInfoMap().values())).doesNotContain(other);
    }

    // ---- remove, filter --------------------------------------------------------------------------------------------

    @Test
    void removeByTagKeepsTheOtherTagAndRemoveByIdRemovesTheImage(Daemons.Session s, Registries r) throws Exception {
        LocalRegistry reg = r.start();
        TestImages.Layout layout = r.build(TestImages.busybox(), "1");
        TestImages.Pushed one = reg.push(layout, "busybox:1");
        TestImages.Pushed two = reg.push(layout, "busybox:2");
        Berthd d = s.start(config(s));
        d.images().pullImage(pull(one.reference()));
        d.images().pullImage(pull(two.reference()));

        List<Image> images = d.images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList();
        assertThat(images).hasSize(1);
        assertThat(images.get(0).getRepoTagsList()).containsExactlyInAnyOrder(one.reference(), two.reference());
        String id = images.get(0).getId();

        d.images().removeImage(remove(one.reference()));

        assertThat(status(d, one.reference()).hasImage()).isFalse();
        Image kept = status(d, two.reference()).getImage();
        assertThat(kept.getId()).isEqualTo(id);
        assertThat(kept.getRepoTagsList()).containsExactly(two.reference());

        d.images().removeImage(remove(id));

        assertThat(d.images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList()).isEmpty();
        assertThat(status(d, two.reference()).hasImage()).isFalse();
        assertThat(status(d, id).hasImage()).isFalse();
        // removing what is gone is not an error (the kubelet retries)
        d.images().removeImage(remove(id));
        d.images().removeImage(remove(two.reference()));
    }

    @Test
    void listImagesFiltersByImage(Daemons.Session s, Registries r) throws Exception {
        LocalRegistry reg = r.start();
        TestImages.Pushed busybox = reg.push(r.build(TestImages.busybox(), "1"), "busybox:1");
        TestImages.Pushed other = reg.push(r.build(TestImages.busybox().marker("other"), "1"), "other:1");
        assertThat(other.configDigest()).isNotEqualTo(busybox.configDigest());
        Berthd d = s.start(config(s));
        d.images().pullImage(pull(busybox.reference()));
        d.images().pullImage(pull(other.reference()));

        assertThat(list(d, "")).containsExactlyInAnyOrder(busybox.configDigest(), other.configDigest());
        assertThat(list(d, busybox.reference())).containsExactly(busybox.configDigest());
        assertThat(list(d, other.configDigest())).containsExactly(other.configDigest());
        assertThat(list(d, other.digestReference())).containsExactly(other.configDigest());
        assertThat(list(d, reg.host() + "/busybox:2")).isEmpty();
    }

    // ---- bad input and failures ------------------------------------------------------------------------------------

    @Test
    void invalidReferenceIsInvalidArgumentNamingIt(Daemons.Session s) throws Exception {
        Berthd d = s.start(config(s));
        for (String bad : List.of("Busybox:1", "busy box:1", "busybox@sha256:abc", "127.0.0.1:5000/busybox:bad/tag")) {
            assertCode(() -> d.images().pullImage(pull(bad)), Status.Code.INVALID_ARGUMENT, bad);
        }
        assertCode(() -> d.images().pullImage(PullImageRequest.getDefaultInstance()), Status.Code.INVALID_ARGUMENT, "image");
        assertThat(d.images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList()).isEmpty();
    }

    @Test
    void unknownTagOrRepositoryIsNotFoundNamingTheReference(Daemons.Session s, Registries r) throws Exception {
        LocalRegistry reg = r.start();
        reg.push(r.build(TestImages.busybox(), "1"), "busybox:1");
        Berthd d = s.start(config(s));

        String noTag = reg.host() + "/busybox:nope";
        assertCode(() -> d.images().pullImage(pull(noTag)), Status.Code.NOT_FOUND, noTag);
        String noRepo = reg.host() + "/missing/repo:1";
        assertCode(() -> d.images().pullImage(pull(noRepo)), Status.Code.NOT_FOUND, noRepo);
        String noDigest = reg.host() + "/busybox@sha256:" + "1".repeat(64);
        assertCode(() -> d.images().pullImage(pull(noDigest)), Status.Code.NOT_FOUND, noDigest);
        assertThat(d.images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList()).isEmpty();
    }

    @Test
    void unreachableRegistryIsUnavailableQuickly(Daemons.Session s, Registries r) throws Exception {
        int closed = r.closedPort();
        Berthd d = s.start(config(s));
        String ref = "127.0.0.1:" + closed + "/busybox:1";

        Instant start = Instant.now();
        assertCode(() -> d.images().pullImage(pull(ref)), Status.Code.UNAVAILABLE, "127.0.0.1:" + closed);
        assertThat(Duration.between(start, Instant.now())).as("with retries = 1").isLessThan(Duration.ofSeconds(20));
        assertThat(d.images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList()).isEmpty();
    }

    // ---- auth ------------------------------------------------------------------------------------------------------

    @Test
    void authRegistryNeedsTheKubeletsCredentials(Daemons.Session s, Registries r) throws Exception {
        LocalRegistry reg = r.startWithAuth("berth", "s3cret");
        TestImages.Pushed busybox = reg.push(r.build(TestImages.busybox(), "1"), "private/busybox:1");
        Berthd d = s.start(config(s));

        assertDenied(() -> d.images().pullImage(pull(busybox.reference())), reg.host());
        assertDenied(() -> d.images().pullImage(pull(busybox.reference(),
                AuthConfig.newBuilder().setUsername("berth").setPassword("wrong").build())), reg.host());
        assertThat(d.images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList()).isEmpty();

        String imageRef = d.images().pullImage(pull(busybox.reference(),
                AuthConfig.newBuilder().setUsername("berth").setPassword("s3cret").build())).getImageRef();
        assertThat(imageRef).isEqualTo(busybox.configDigest());

        // the same credentials as docker's base64 "auth" field
        d.images().removeImage(remove(imageRef));
        String auth = Base64.getEncoder().encodeToString("berth:s3cret".getBytes(StandardCharsets.UTF_8));
        assertThat(d.images().pullImage(pull(busybox.reference(), AuthConfig.newBuilder().setAuth(auth).build())).getImageRef())
                .isEqualTo(imageRef);
        // the password never shows up in the daemon's log
        assertThat(d.log()).doesNotContain("s3cret").doesNotContain(auth);
    }

    @Test
    void configuredHostCredentialsAreUsedWhenTheKubeletSendsNone(Daemons.Session s, Registries r) throws Exception {
        LocalRegistry reg = r.startWithAuth("berth", "s3cret");
        TestImages.Pushed busybox = reg.push(r.build(TestImages.busybox(), "1"), "private/busybox:1");
        Berthd d = s.start(config(s, hostTable(reg.host(), "username = \"berth\"", "password = \"s3cret\"")));

        assertThat(d.images().pullImage(pull(busybox.reference())).getImageRef()).isEqualTo(busybox.configDigest());
    }

    // ---- mirrors ---------------------------------------------------------------------------------------------------

    @Test
    void mirrorServesAnUnreachableUpstream(Daemons.Session s, Registries r) throws Exception {
        LocalRegistry mirror = r.start();
        TestImages.Pushed mirrored = mirror.push(r.build(TestImages.busybox(), "1"), "library/busybox:1");
        String upstream = "127.0.0.1:" + r.closedPort();
        Berthd d = s.start(config(s, hostTable(upstream, "mirrors = [\"http://" + mirror.host() + "\"]")));

        String ref = upstream + "/library/busybox:1";
        String imageRef = d.images().pullImage(pull(ref)).getImageRef();

        assertThat(imageRef).isEqualTo(mirrored.configDigest());
        Image img = status(d, ref).getImage();
        // named after what was asked for, not after the mirror that served it
        assertThat(img.getRepoTagsList()).containsExactly(ref);
        assertThat(img.getRepoDigestsList()).containsExactly(upstream + "/library/busybox@" + mirrored.digest());
    }

    @Test
    void dockerHubNamesAreNormalisedAndServedByTheirMirror(Daemons.Session s, Registries r) throws Exception {
        LocalRegistry mirror = r.start();
        TestImages.Pushed mirrored = mirror.push(r.build(TestImages.busybox(), "1"), "library/busybox:1");
        Berthd d = s.start(config(s, hostTable("docker.io", "mirrors = [\"http://" + mirror.host() + "\"]")));

        String imageRef = d.images().pullImage(pull("busybox:1")).getImageRef();

        assertThat(imageRef).isEqualTo(mirrored.configDigest());
        Image img = status(d, "busybox:1").getImage();
        assertThat(img.getRepoTagsList()).containsExactly("docker.io/library/busybox:1");
        assertThat(img.getRepoDigestsList()).containsExactly("docker.io/library/busybox@" + mirrored.digest());
        assertThat(status(d, "docker.io/library/busybox:1").getImage().getId()).isEqualTo(imageRef);
        assertThat(status(d, "library/busybox:1").getImage().getId()).isEqualTo(imageRef);
    }

    // ---- persistence and fs info -----------------------------------------------------------------------------------

    @Test
    void pulledImagesSurviveARestart(Daemons.Session s, Registries r) throws Exception {
        LocalRegistry reg = r.start();
        TestImages.Pushed busybox = reg.push(r.build(TestImages.busybox(), "1"), "busybox:1");
        TestConfig c = config(s);
        Berthd first = s.start(c);
        first.images().pullImage(pull(busybox.reference()));
        Image before = status(first, busybox.reference()).getImage();

        assertThat(first.terminate()).as("exit status after SIGTERM").isZero();
        reg.close(); // the image must now come from the daemon's own root, not the registry
        Berthd second = s.start(c);

        List<Image> images = second.images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList();
        assertThat(images).extracting(Image::getId).containsExactly(busybox.configDigest());
        Image after = status(second, busybox.reference()).getImage();
        assertThat(after.getRepoTagsList()).isEqualTo(before.getRepoTagsList());
        assertThat(after.getRepoDigestsList()).isEqualTo(before.getRepoDigestsList());
        assertThat(after.getSize()).isEqualTo(before.getSize());
        assertThat(after.getUsername()).isEqualTo("app");
    }

    @Test
    void imageFsInfoReportsTheBytesOfPulledImages(Daemons.Session s, Registries r) throws Exception {
        LocalRegistry reg = r.start();
        TestImages.Pushed busybox = reg.push(r.build(TestImages.busybox(), "1"), "busybox:1");
        Berthd d = s.start(config(s));
        long before = usedBytes(d);

        d.images().pullImage(pull(busybox.reference()));

        List<FilesystemUsage> fs = d.images().imageFsInfo(ImageFsInfoRequest.getDefaultInstance()).getImageFilesystemsList();
        assertThat(fs).isNotEmpty();
        FilesystemUsage u = fs.get(0);
        assertThat(u.getFsId().getMountpoint()).isNotEmpty();
        assertThat(u.getTimestamp()).isPositive();
        assertThat(u.hasUsedBytes()).isTrue();
        assertThat(u.getUsedBytes().getValue()).isPositive().isGreaterThan(before);
    }

    // ---- helpers ---------------------------------------------------------------------------------------------------

    /** A test config with one registry attempt per request (failures stay fast) plus {@code tables}. */
    private static TestConfig config(Daemons.Session s, String... tables) {
        TestConfig c = s.config().append(REGISTRY_TABLE + "\nretries = 1\n");
        for (String t : tables) {
            c.append(t);
        }
        return c;
    }

    private static String hostTable(String host, String... lines) {
        return "[plugins.\"io.berth.grpc.v1.cri\".registry.hosts.\"" + host + "\"]\n" + String.join("\n", lines) + "\n";
    }

    private static PullImageRequest pull(String ref) {
        return PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(ref)).build();
    }

    private static PullImageRequest pull(String ref, AuthConfig auth) {
        return pull(ref).toBuilder().setAuth(auth).build();
    }

    private static RemoveImageRequest remove(String ref) {
        return RemoveImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(ref)).build();
    }

    private static ImageStatusResponse status(Berthd d, String ref) {
        return d.images().imageStatus(ImageStatusRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(ref)).build());
    }

    /** Ids ListImages returns, with a filter unless {@code filter} is empty. */
    private static List<String> list(Berthd d, String filter) {
        ListImagesRequest.Builder req = ListImagesRequest.newBuilder();
        if (!filter.isEmpty()) {
            req.setFilter(ImageFilter.newBuilder().setImage(ImageSpec.newBuilder().setImage(filter)));
        }
        return d.images().listImages(req.build()).getImagesList().stream().map(Image::getId).toList();
    }

    private static long usedBytes(Berthd d) {
        List<FilesystemUsage> fs = d.images().imageFsInfo(ImageFsInfoRequest.getDefaultInstance()).getImageFilesystemsList();
        return fs.isEmpty() ? 0 : fs.get(0).getUsedBytes().getValue();
    }

    private static void assertCode(ThrowingCallable call, Status.Code code, String... inMessage) {
        assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).as("status of %s", e.getStatus()).isEqualTo(code);
            assertThat(e.getStatus().getDescription()).contains(inMessage);
        });
    }

    /** Refused for lack of (valid) credentials: UNAUTHENTICATED or PERMISSION_DENIED, naming the registry. */
    private static void assertDenied(ThrowingCallable call, String registry) {
        assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).as("status of %s", e.getStatus())
                    .isIn(Status.Code.UNAUTHENTICATED, Status.Code.PERMISSION_DENIED);
            assertThat(e.getStatus().getDescription()).contains(registry);
        });
    }
}
