package dev.berth.cri.containers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.api.cri.v1.ContainerConfig;
import dev.berth.api.cri.v1.ImageSpec;
import dev.berth.api.cri.v1.Mount;
import dev.berth.api.cri.v1.MountPropagation;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.snapshot.Snapshotter;
import dev.berth.cri.images.ImageRecord;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The checks on CRI image mounts, and the views made and removed for them. */
class ImageVolumesTest {
    private static final String ID = "a".repeat(64);
    private static final ImageRecord DATA = image("sha256:" + "d".repeat(64), "sha256:chain-d");
    private static final Function<String, Optional<ImageRecord>> PULLED =
            ref -> ref.equals("example.com/data:1") ? Optional.of(DATA) : Optional.empty();

    @Test
    void findsTheImageOfEachImageMountByIndex() {
        List<Mount> mounts = List.of(Mount.newBuilder().setContainerPath("/etc/x").setHostPath("/tmp").build(),
                volume("example.com/data:1").setImageSubPath("data/sub").build());
        assertThat(ImageVolumes.resolve(mounts, PULLED)).containsExactly(Map.entry(1, DATA));
    }

    @Test
    void anImageNotPulledIsNotFoundNamingIt() {
        assertThatThrownBy(() -> ImageVolumes.resolve(List.of(volume("example.com/other:2").build()), PULLED))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.NOT_FOUND))
                .hasMessageContaining("config.mounts[0].image").hasMessageContaining("example.com/other:2");
    }

    @Test
    void anImagePulledWithoutSnapshotIsAPreconditionFailure() {
        ImageRecord packed = image("sha256:" + "e".repeat(64), "");
        assertThatThrownBy(() -> ImageVolumes.resolve(List.of(volume("x").build()), ref -> Optional.of(packed)))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION));
    }

    @Test
    void subPathsThatLeaveTheImageOrAreAbsoluteAreInvalid() {
        for (String sub : List.of("..", "data/../..", "../etc", "data/..", "/data")) {
            expectInvalid(volume("example.com/data:1").setImageSubPath(sub), "config.mounts[0].image_sub_path");
        }
        assertThat(ImageVolumes.resolve(List.of(volume("example.com/data:1").setImageSubPath("data/..x/./y").build()),
                PULLED)).hasSize(1);
    }

    @Test
    void hostPathPropagationAndStraySubPathsAreInvalid() {
        expectInvalid(volume("example.com/data:1").setHostPath("/tmp"), "exclude each other");
        expectInvalid(volume("example.com/data:1").setPropagation(MountPropagation.PROPAGATION_HOST_TO_CONTAINER),
                "config.mounts[0].propagation");
        expectInvalid(Mount.newBuilder().setContainerPath("/v").setHostPath("/tmp").setImageSubPath("data"),
                "image_sub_path is set but image is not");
    }

    @Test
    void statusReportsAnImageMountReadOnly() {
        assertThat(ImageVolumes.reported(volume("example.com/data:1").build()).getReadonly()).isTrue();
        Mount host = Mount.newBuilder().setContainerPath("/v").setHostPath("/tmp").build();
        assertThat(ImageVolumes.reported(host)).isSameAs(host);
    }

    @Test
    void viewKeysNameTheirContainer() {
        assertThat(ImageVolumes.owner(ImageVolumes.key(ID, 3))).isEqualTo(ID);
        assertThat(ImageVolumes.owner(ID)).isNull();
        assertThat(ImageVolumes.owner("extract-1/image-volume/0")).isNull();
    }

    @Test
    void aFailedViewRemovesTheViewsMadeBefore() {
        List<String> calls = new ArrayList<>();
        Snapshotter s = snapshotter(calls, "sha256:chain-bad");
        ImageRecord bad = image("sha256:" + "b".repeat(64), "sha256:chain-bad");
        Map<Integer, ImageRecord> images = new LinkedHashMap<>();
        images.put(0, DATA);
        images.put(2, bad);
        assertThatThrownBy(() -> ImageVolumes.prepare(s, ID, images))
                .isInstanceOf(BerthException.class);
        assertThat(calls).containsExactly("view " + ImageVolumes.key(ID, 0) + " sha256:chain-d",
                "view " + ImageVolumes.key(ID, 2) + " sha256:chain-bad", "remove " + ImageVolumes.key(ID, 0));
    }

    @Test
    void removeTakesTheViewsOfTheImageMountsOnlyAndToleratesMissingOnes() {
        List<String> calls = new ArrayList<>();
        ContainerConfig c = ContainerConfig.newBuilder()
                .addMounts(Mount.newBuilder().setContainerPath("/h").setHostPath("/tmp"))
                .addMounts(volume("example.com/data:1")).build();
        ImageVolumes.remove(snapshotter(calls, ""), ID, c);
        assertThat(calls).containsExactly("remove " + ImageVolumes.key(ID, 1));
    }

    // ------------------------------------------------------------------ helpers

    private static Mount.Builder volume(String image) {
        return Mount.newBuilder().setContainerPath("/vol").setImage(ImageSpec.newBuilder().setImage(image));
    }

    private static ImageRecord image(String id, String snapshot) {
        return new ImageRecord(id, List.of(), List.of(), id, id, 1, "", 0, snapshot);
    }

    private static void expectInvalid(Mount.Builder m, String inMessage) {
        assertThatThrownBy(() -> ImageVolumes.resolve(List.of(m.build()), PULLED))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
                .hasMessageContaining(inMessage);
    }

    /** Records view and remove calls; a view of {@code failingParent} fails, a remove finds nothing. */
    private static Snapshotter snapshotter(List<String> calls, String failingParent) {
        return (Snapshotter) Proxy.newProxyInstance(Snapshotter.class.getClassLoader(), new Class<?>[] {Snapshotter.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "view" -> {
                        calls.add("view " + args[0] + " " + args[1]);
                        if (args[1].equals(failingParent)) {
                            throw BerthException.notFound("parent snapshot %s not found", args[1]);
                        }
                        yield List.of(new dev.berth.core.mount.Mount("bind", "/x", List.of("rbind", "ro")));
                    }
                    case "remove" -> {
                        calls.add("remove " + args[0]);
                        if (!failingParent.isEmpty()) {
                            yield null;
                        }
                        throw BerthException.notFound("snapshot %s not found", args[0]);
                    }
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}
