package dev.berth.cri.containers;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.berth.api.cri.v1.Container;
import dev.berth.api.cri.v1.ContainerConfig;
import dev.berth.api.cri.v1.ContainerFilter;
import dev.berth.api.cri.v1.ContainerMetadata;
import dev.berth.api.cri.v1.ContainerState;
import dev.berth.api.cri.v1.ContainerStateValue;
import dev.berth.api.cri.v1.ImageSpec;
import dev.berth.cri.sandboxes.RuntimeHandlers;
import dev.berth.cri.snapshots.Snapshotters;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ListContainers over the in-memory records and one bulk read of the runtime: the same answers as ContainerStatus
 * gives container by container, in every state and with every filter, and never behind the runtime.
 */
class ContainersListTest {
    @TempDir
    Path dir;
    private final FakeRuntimeShim shim = new FakeRuntimeShim();
    private Containers containers;

    @BeforeEach
    void seed() {
        try (ContainerIndex index = new ContainerIndex(store())) {
            index.put(record("aa01", "pod-a", "runc", 3, "web", Map.of("app", "web")));
            index.put(record("bb02", "pod-a", "runc", 1, "db", Map.of("app", "db")));
            index.put(record("cc03", "pod-b", "runc", 2, "job", Map.of("app", "web", "tier", "batch")));
            index.put(record("dd04", "pod-b", "gone", 4, "old", Map.of()));
        }
        shim.put("aa01", dev.berth.core.runtime.ContainerState.RUNNING, 0);
        shim.put("bb02", dev.berth.core.runtime.ContainerState.CREATED, 0);
        shim.put("cc03", dev.berth.core.runtime.ContainerState.EXITED, 3);
        containers = open();
    }

    @AfterEach
    void close() {
        containers.close();
    }

    @Test
    void listsEveryContainerOldestFirstAsContainerStatusSeesIt() {
        int statusCalls = shim.statusCalls.get();
        List<Container> listed = containers.list(ContainerFilter.getDefaultInstance()).getContainersList();
        assertThat(shim.statusCalls.get()).as("no status read per container").isEqualTo(statusCalls);
        assertThat(listed).extracting(Container::getId).containsExactly("bb02", "cc03", "aa01", "dd04");
        assertThat(listed).extracting(Container::getState).containsExactly(ContainerState.CONTAINER_CREATED,
                ContainerState.CONTAINER_EXITED, ContainerState.CONTAINER_RUNNING, ContainerState.CONTAINER_UNKNOWN);
        for (Container c : listed) {
            assertThat(c.getState()).isEqualTo(containers.status(c.getId(), false).getStatus().getState());
        }
        Container web = listed.get(2);
        assertThat(web.getPodSandboxId()).isEqualTo("pod-a");
        assertThat(web.getMetadata().getName()).isEqualTo("web");
        assertThat(web.getLabelsMap()).containsEntry("app", "web");
        assertThat(web.getAnnotationsMap()).containsEntry("note", "web");
        assertThat(web.getImage().getUserSpecifiedImage()).isEqualTo("busybox:web");
        assertThat(web.getImageId()).isEqualTo("sha256:img");
        assertThat(web.getCreatedAt()).isEqualTo(3);
    }

    @Test
    void filtersByIdStatePodAndLabels() {
        assertThat(ids(ContainerFilter.newBuilder().setId("cc").build())).containsExactly("cc03");
        assertThat(ids(ContainerFilter.newBuilder().setState(state(ContainerState.CONTAINER_RUNNING)).build()))
                .containsExactly("aa01");
        assertThat(ids(ContainerFilter.newBuilder().setState(state(ContainerState.CONTAINER_UNKNOWN)).build()))
                .containsExactly("dd04");
        assertThat(ids(ContainerFilter.newBuilder().setPodSandboxId("pod-a").build())).containsExactly("bb02", "aa01");
        assertThat(ids(ContainerFilter.newBuilder().putLabelSelector("app", "web").build()))
                .containsExactly("cc03", "aa01");
        assertThat(ids(ContainerFilter.newBuilder().putLabelSelector("app", "web").setPodSandboxId("pod-b")
                .setState(state(ContainerState.CONTAINER_EXITED)).build())).containsExactly("cc03");
        assertThat(ids(ContainerFilter.newBuilder().putLabelSelector("app", "web").putLabelSelector("tier", "x")
                .build())).isEmpty();
    }

    @Test
    void aChangeInTheRuntimeIsInTheNextList() {
        assertThat(stateOf("aa01")).isEqualTo(ContainerState.CONTAINER_RUNNING);
        shim.put("aa01", dev.berth.core.runtime.ContainerState.EXITED, 137);
        assertThat(stateOf("aa01")).isEqualTo(ContainerState.CONTAINER_EXITED);
        shim.containers.remove("bb02"); // the runtime lost it
        assertThat(stateOf("bb02")).isEqualTo(ContainerState.CONTAINER_UNKNOWN);
        assertThat(containers.status("bb02", false).getStatus().getMessage())
                .isEqualTo("the runtime has no such container");
    }

    /** An item is built once and kept while its container's state stays; a state change gives a new one, alike but for the state. */
    @Test
    void keepsEachItemUntilItsStateChanges() {
        Container first = containers.list(ContainerFilter.getDefaultInstance()).getContainers(2);
        Container again = containers.list(ContainerFilter.newBuilder().setId("aa01").build()).getContainers(0);
        assertThat(again).isSameAs(first);
        assertThat(first.toByteString()).isEqualTo(Container.newBuilder().setId("aa01").setPodSandboxId("pod-a")
                .setMetadata(ContainerMetadata.newBuilder().setName("web"))
                .setImage(ImageSpec.newBuilder().setImage("sha256:img").setUserSpecifiedImage("busybox:web"))
                .setImageRef("busybox@sha256:abc").setImageId("sha256:img").setState(ContainerState.CONTAINER_RUNNING)
                .setCreatedAt(3).putLabels("app", "web").putAnnotations("note", "web").build().toByteString());

        shim.put("aa01", dev.berth.core.runtime.ContainerState.EXITED, 0);
        Container exited = containers.list(ContainerFilter.newBuilder().setId("aa01").build()).getContainers(0);
        assertThat(exited.getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
        assertThat(exited.toBuilder().setState(ContainerState.CONTAINER_RUNNING).build()).isEqualTo(first);
        assertThat(containers.list(ContainerFilter.newBuilder().setId("aa01").build()).getContainers(0)).isSameAs(exited);
    }

    @Test
    void aRestartedDaemonListsTheSame() {
        List<Container> before = containers.list(ContainerFilter.getDefaultInstance()).getContainersList();
        containers.close();
        containers = open();
        assertThat(containers.list(ContainerFilter.getDefaultInstance()).getContainersList()).isEqualTo(before);
    }

    @Test
    void removeLeavesTheListAtOnce() {
        containers.remove("cc");
        assertThat(ids(ContainerFilter.getDefaultInstance())).containsExactly("bb02", "aa01", "dd04");
        assertThat(shim.containers).doesNotContainKey("cc03");
        containers.close();
        containers = open();
        assertThat(ids(ContainerFilter.getDefaultInstance())).containsExactly("bb02", "aa01", "dd04");
    }

    // ------------------------------------------------------------------ helpers

    private Containers open() {
        // no snapshotter runs: listing never needs one
        Snapshotters none = new Snapshotters(RuntimeHandlers.from(ConfigFactory.empty()), "overlayfs", Map.of(), Map.of(),
                List.of());
        return new Containers(store(), null, null, none, Map.of("runc", shim));
    }

    private Path store() {
        return dir.resolve("containers.db");
    }

    private ContainerState stateOf(String id) {
        return containers.list(ContainerFilter.newBuilder().setId(id).build()).getContainers(0).getState();
    }

    private List<String> ids(ContainerFilter f) {
        return containers.list(f).getContainersList().stream().map(Container::getId).toList();
    }

    private static ContainerStateValue state(ContainerState s) {
        return ContainerStateValue.newBuilder().setState(s).build();
    }

    static ContainerRecord record(String id, String pod, String runtime, long createdAt, String name,
                                  Map<String, String> labels) {
        ContainerConfig c = ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(name))
                .setImage(ImageSpec.newBuilder().setImage("busybox:" + name))
                .putAllLabels(labels).putAnnotations("note", name).build();
        return ContainerRecord.of(id, pod, runtime, "sha256:img", "busybox@sha256:abc", id, "", createdAt, "", c);
    }
}
