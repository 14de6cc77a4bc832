package dev.berth.cri.containers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.api.cri.v1.ContainerConfig;
import dev.berth.api.cri.v1.ContainerMetadata;
import dev.berth.api.cri.v1.LinuxContainerSecurityContext;
import dev.berth.api.cri.v1.LinuxContainerUser;
import dev.berth.api.cri.v1.SupplementalGroupsPolicy;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.runtime.ContainerState;
import dev.berth.core.runtime.ContainerStatus;
import dev.berth.core.runtime.ContainerUser;
import dev.berth.core.runtime.SecurityOptions.GroupsPolicy;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The supplemental groups policy on the way in, and the container's user on the way out. */
class UserConversionTest {
    @Test
    void policyReachesTheSecurityOptions() {
        LinuxContainerSecurityContext.Builder sc = LinuxContainerSecurityContext.newBuilder().addSupplementalGroups(3000);
        assertThat(ContainerSpecConversion.security(sc.build()).groupsPolicy()).isEqualTo(GroupsPolicy.MERGE);
        sc.setSupplementalGroupsPolicy(SupplementalGroupsPolicy.Strict);
        assertThat(ContainerSpecConversion.security(sc.build()))
                .satisfies(o -> assertThat(o.groupsPolicy()).isEqualTo(GroupsPolicy.STRICT))
                .satisfies(o -> assertThat(o.supplementalGroups()).containsExactly(3000L));
    }

    @Test
    void anUnknownPolicyIsInvalidNamingTheField() {
        LinuxContainerSecurityContext sc = LinuxContainerSecurityContext.newBuilder().setSupplementalGroupsPolicyValue(2).build();
        assertThatThrownBy(() -> ContainerSpecConversion.security(sc))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
                .hasMessageContaining("linux.security_context.supplemental_groups_policy 2");
    }

    @Test
    void statusCarriesTheUserOnlyWhenTheShimKnowsIt() {
        ContainerRecord r = record();
        ContainerStatus known = new ContainerStatus("c1", ContainerState.RUNNING, 42, Instant.EPOCH, Instant.EPOCH, null,
                0, "", "", new ContainerUser(1000, 1000, List.of(1000L, 3000L)));
        assertThat(ContainerStatusConversion.toStatus(r, known).getUser().getLinux()).isEqualTo(LinuxContainerUser
                .newBuilder().setUid(1000).setGid(1000).addSupplementalGroups(1000).addSupplementalGroups(3000).build());
        ContainerStatus unknown = new ContainerStatus("c1", ContainerState.UNKNOWN, 0, null, null, null, 0, "", "gone",
                null);
        assertThat(ContainerStatusConversion.toStatus(r, unknown).hasUser()).isFalse();
    }

    private static ContainerRecord record() {
        return ContainerRecord.of("c1", "p1", "runc", "sha256:abc", "busybox:1", "snap-c1", "", 1, "",
                ContainerConfig.newBuilder().setMetadata(ContainerMetadata.newBuilder().setName("c")).build());
    }
}
