package dev.berth.shim.runc.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.runtime.ContainerUser;
import dev.berth.core.runtime.ImageProcess;
import dev.berth.core.runtime.SecurityOptions.GroupsPolicy;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpecUserTest {
    @TempDir
    Path dir;
    final SpecFixture f = new SpecFixture();

    private ContainerUser userOfBuiltSpec() throws Exception {
        return SpecUser.of(f.builder().build(f.spec(), SpecFixture.rootfs(dir), id -> null));
    }

    @Test
    void readsTheUserThePolicyGave() throws Exception {
        f.image = new ImageProcess(List.of("/x"), List.of(), List.of(), "app", "", "");
        f.supplementalGroups = List.of(3000L);
        assertThat(userOfBuiltSpec()).isEqualTo(new ContainerUser(1000, 1000, List.of(1000L, 5L, 29L, 3000L)));
        f.groupsPolicy = GroupsPolicy.STRICT;
        assertThat(userOfBuiltSpec()).isEqualTo(new ContainerUser(1000, 1000, List.of(1000L, 3000L)));
    }

    @Test
    void aSpecWithoutGroupsHasOnlyTheIds() {
        assertThat(SpecUser.of("{\"process\": {\"user\": {\"uid\": 7, \"gid\": 8}}}"))
                .isEqualTo(new ContainerUser(7, 8, List.of()));
    }

    @Test
    void aSpecWithoutAUserIsAnInternalError() {
        assertThatThrownBy(() -> SpecUser.of("{\"process\": {}}")).isInstanceOf(BerthException.class)
                .hasMessageContaining("process.user");
        assertThatThrownBy(() -> SpecUser.of("not json")).isInstanceOf(BerthException.class);
    }
}
