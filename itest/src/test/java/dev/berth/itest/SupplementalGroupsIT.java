package dev.berth.itest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.api.cri.v1.ContainerConfig;
import dev.berth.api.cri.v1.ExecSyncRequest;
import dev.berth.api.cri.v1.ListContainersRequest;
import dev.berth.api.cri.v1.LinuxContainerUser;
import dev.berth.api.cri.v1.NamespaceMode;
import dev.berth.api.cri.v1.StatusRequest;
import dev.berth.api.cri.v1.SupplementalGroupsPolicy;
import dev.berth.itest.registry.Registries;
import dev.berth.itest.registry.TestImages;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * SupplementalGroupsPolicy through the CRI of a real berthd and runc: the test image's user {@code app} (uid and
 * gid 1000) is a member of {@code staff} ({@link TestImages#STAFF_GID}) in the image's /etc/group. Merge keeps that
 * membership, Strict drops it; {@code id -G} of the container's own process (in its log) and of an exec'd one shows
 * which, and ContainerStatus.user says the same, also after a daemon restart.
 */
@ExtendWith({Daemons.class, Registries.Extension.class})
class SupplementalGroupsIT {
    private static final long REQUESTED = 3000;

    private final List<Berthd> daemons = new ArrayList<>();
    private final String cgroupParent = "/berth-it-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    private Path dir;

    @BeforeAll
    static void requireRootRuncConmon() {
        CriPods.assumeRootRuncConmon();
    }

    @Test
    void strictDropsTheImagesGroupsMergeKeepsThemAndStatusSaysWhich(Daemons.Session s, Registries r) throws Exception {
        TestConfig c = s.config();
        Berthd d = start(s, c);
        assertThat(d.runtime().status(StatusRequest.getDefaultInstance()).getFeatures().getSupplementalGroupsPolicy())
                .as("Status.features.supplemental_groups_policy").isTrue();
        String image = CriFixtures.pushAndPullBusybox(d, r);
        String pod = CriPods.runPod(d, dir, cgroupParent, "groups", NamespaceMode.NODE, NamespaceMode.CONTAINER);

        String merge = CriPods.createAndStart(d, pod, "merge", image, List.of("sh", "-c", "id -G; sleep 300"),
                NamespaceMode.NODE, policy(SupplementalGroupsPolicy.Merge));
        String strict = CriPods.createAndStart(d, pod, "strict", image, List.of("sh", "-c", "id -G; sleep 300"),
                NamespaceMode.NODE, policy(SupplementalGroupsPolicy.Strict));

        List<Long> merged = List.of(1000L, TestImages.STAFF_GID, REQUESTED);
        List<Long> strictly = List.of(1000L, REQUESTED);
        assertGroups(d, merge, merged);
        assertGroups(d, strict, strictly);

        // the user comes from what the shim recorded, not from memory: a new daemon reports the same
        d.close();
        Berthd again = start(s, c);
        assertThat(user(again, merge).getSupplementalGroupsList()).containsExactlyElementsOf(merged);
        assertThat(user(again, strict).getSupplementalGroupsList()).containsExactlyElementsOf(strictly);
    }

    @Test
    void anUnknownPolicyIsRefusedNamingTheFieldAndLeavesNoContainer(Daemons.Session s, Registries r) throws Exception {
        Berthd d = start(s, s.config());
        String image = CriFixtures.pushAndPullBusybox(d, r);
        String pod = CriPods.runPod(d, dir, cgroupParent, "bad", NamespaceMode.NODE, NamespaceMode.CONTAINER);

        assertThatThrownBy(() -> CriPods.create(d, pod, "bad", image, List.of("sleep", "300"), NamespaceMode.NODE,
                cfg -> cfg.setLinux(cfg.getLinux().toBuilder().setSecurityContext(cfg.getLinux().getSecurityContext()
                        .toBuilder().setSupplementalGroupsPolicyValue(9)))))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).contains("supplemental_groups_policy 9");
                });
        assertThat(d.runtime().listContainers(ListContainersRequest.getDefaultInstance()).getContainersList()).isEmpty();
    }

    @AfterEach
    void cleanUp() throws Exception {
        CriPods.cleanUp(daemons, dir, cgroupParent);
    }

    // ------------------------------------------------------------------ helpers

    private Berthd start(Daemons.Session s, TestConfig c) throws Exception {
        dir = c.dir();
        Berthd d = s.start(c);
        daemons.add(d);
        return d;
    }

    /** The image's user, with {@link #REQUESTED} as a requested supplemental group, under {@code p}. */
    private static UnaryOperator<ContainerConfig.Builder> policy(SupplementalGroupsPolicy p) {
        return cfg -> cfg.setLinux(cfg.getLinux().toBuilder().setSecurityContext(cfg.getLinux().getSecurityContext()
                .toBuilder().addSupplementalGroups(REQUESTED).setSupplementalGroupsPolicy(p)));
    }

    /**
     * The groups of the container's own process (its log), of an exec'd one, and in ContainerStatus.user. The kernel
     * keeps groups sorted, so {@code id -G} prints them in another order than they were set.
     */
    private static void assertGroups(Berthd d, String id, List<Long> groups) throws Exception {
        String log = CriPods.awaitLog(Path.of(CriPods.status(d, id).getLogPath()), " stdout F ");
        String own = log.substring(log.indexOf(" stdout F ") + " stdout F ".length()).strip();
        assertThat(numbers(own)).as("id -G of the container's process: %s", own).containsExactlyInAnyOrderElementsOf(groups);
        String exec = d.runtime().execSync(ExecSyncRequest.newBuilder().setContainerId(id).addCmd("id").addCmd("-G")
                .setTimeout(10).build()).getStdout().toStringUtf8().strip();
        assertThat(numbers(exec)).as("id -G of an exec'd process: %s", exec).containsExactlyInAnyOrderElementsOf(groups);
        LinuxContainerUser user = user(d, id);
        assertThat(user.getUid()).isEqualTo(1000);
        assertThat(user.getGid()).isEqualTo(1000);
        assertThat(user.getSupplementalGroupsList()).as("ContainerStatus.user").containsExactlyElementsOf(groups);
    }

    private static List<Long> numbers(String line) {
        return java.util.Arrays.stream(line.split("\\s+")).map(Long::parseLong).toList();
    }

    private static LinuxContainerUser user(Berthd d, String id) {
        return CriPods.status(d, id).getUser().getLinux();
    }
}
