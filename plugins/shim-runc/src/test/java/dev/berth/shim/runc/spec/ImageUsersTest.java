package dev.berth.shim.runc.spec;

import static dev.berth.shim.runc.spec.SpecFixture.longs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.runtime.ImageProcess;
import dev.berth.core.runtime.SecurityOptions.GroupsPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageUsersTest {
    @TempDir
    Path dir;
    Path rootfs;
    final SpecFixture f = new SpecFixture();

    @BeforeEach
    void setUp() throws Exception {
        rootfs = SpecFixture.rootfs(dir);
    }

    private void imageUser(String user) {
        f.image = new ImageProcess(List.of("/x"), List.of(), List.of(), user, "", "");
    }

    private JsonObject user() {
        return f.build(rootfs).getAsJsonObject("process").getAsJsonObject("user");
    }

    @Test
    void noUserMeansRoot() {
        JsonObject user = user();
        assertThat(user.get("uid").getAsLong()).isZero();
        assertThat(user.get("gid").getAsLong()).isZero();
        assertThat(longs(user.getAsJsonArray("additionalGids"))).containsExactly(0L);
    }

    @Test
    void imageUserByNameTakesPrimaryGroupAndMemberships() {
        imageUser("app");
        JsonObject user = user();
        assertThat(user.get("uid").getAsLong()).isEqualTo(1000);
        assertThat(user.get("gid").getAsLong()).isEqualTo(1000);
        assertThat(longs(user.getAsJsonArray("additionalGids"))).containsExactly(1000L, 5L, 29L);
    }

    @Test
    void imageUserWithGroupNameAndNumbers() {
        imageUser("app:staff");
        assertThat(user().get("gid").getAsLong()).isEqualTo(50);
        imageUser("1001:7");
        JsonObject user = user();
        assertThat(user.get("uid").getAsLong()).isEqualTo(1001);
        assertThat(user.get("gid").getAsLong()).isEqualTo(7);
        assertThat(longs(user.getAsJsonArray("additionalGids"))).containsExactly(7L, 29L);
        imageUser("1000:staff");
        assertThat(user().get("gid").getAsLong()).isEqualTo(50);
    }

    @Test
    void numericUidNotInPasswdGetsGroupZero() {
        imageUser("4242");
        JsonObject user = user();
        assertThat(user.get("uid").getAsLong()).isEqualTo(4242);
        assertThat(user.get("gid").getAsLong()).isZero();
    }

    @Test
    void securityContextWinsOverImage() {
        imageUser("web");
        f.runAsUser = 1000L;
        f.runAsGroup = 77L;
        JsonObject user = user();
        assertThat(user.get("uid").getAsLong()).isEqualTo(1000);
        assertThat(user.get("gid").getAsLong()).isEqualTo(77);
        f.runAsUser = null;
        f.runAsGroup = null;
        f.runAsUsername = "app";
        assertThat(user().get("uid").getAsLong()).isEqualTo(1000);
    }

    @Test
    void mergeAddsImageGroupsAndSupplementalGroups() {
        imageUser("app");
        f.supplementalGroups = List.of(3000L, 5L);
        assertThat(longs(user().getAsJsonArray("additionalGids"))).containsExactly(1000L, 5L, 29L, 3000L);
    }

    @Test
    void strictKeepsOnlySupplementalGroups() {
        imageUser("app");
        f.groupsPolicy = GroupsPolicy.STRICT;
        f.supplementalGroups = List.of(3000L);
        assertThat(longs(user().getAsJsonArray("additionalGids"))).containsExactly(1000L, 3000L);
    }

    @Test
    void unknownUserNamesTheFieldItCameFrom() {
        imageUser("nobody-here");
        assertThatThrownBy(this::user).isInstanceOf(BerthException.class)
                .hasMessageContaining("\"nobody-here\"").hasMessageContaining("image config User")
                .extracting(e -> ((BerthException) e).kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
        imageUser("");
        f.runAsUsername = "ghost";
        assertThatThrownBy(this::user).hasMessageContaining("\"ghost\"")
                .hasMessageContaining("securityContext.runAsUsername");
    }

    @Test
    void unknownGroupIsInvalid() {
        imageUser("app:wheel");
        assertThatThrownBy(this::user).hasMessageContaining("group \"wheel\"");
    }

    @Test
    void absoluteSymlinkedPasswdIsResolvedInsideTheRootfs() throws Exception {
        // a host file the image must not be able to make us read as its passwd
        Path hostPasswd = dir.resolve("host-passwd");
        Files.writeString(hostPasswd, "hostonly:x:555:555::/:/bin/sh\n");
        Files.delete(rootfs.resolve("etc/passwd"));
        Files.createSymbolicLink(rootfs.resolve("etc/passwd"), hostPasswd);
        imageUser("hostonly");
        assertThatThrownBy(this::user).hasMessageContaining("\"hostonly\"");

        // the same absolute link is followed within the rootfs
        Path inside = rootfs.resolve(hostPasswd.toString().substring(1));
        Files.createDirectories(inside.getParent());
        Files.writeString(inside, "inside:x:777:778::/:/bin/sh\n");
        imageUser("inside");
        assertThat(user().get("uid").getAsLong()).isEqualTo(777);
    }

    @Test
    void relativeSymlinkCannotClimbOutOfTheRootfs() throws Exception {
        Files.writeString(dir.resolve("passwd"), "escaped:x:556:556::/:/bin/sh\n");
        Files.delete(rootfs.resolve("etc/passwd"));
        Files.createSymbolicLink(rootfs.resolve("etc/passwd"), Path.of("../../../../../passwd"));
        imageUser("escaped");
        assertThatThrownBy(this::user).hasMessageContaining("\"escaped\"");
    }

    @Test
    void symlinkedEtcDirectoryIsFollowedInsideTheRootfs() throws Exception {
        Path real = rootfs.resolve("real-etc");
        Files.move(rootfs.resolve("etc"), real);
        Files.createSymbolicLink(rootfs.resolve("etc"), Path.of("/real-etc"));
        imageUser("web");
        assertThat(user().get("uid").getAsLong()).isEqualTo(1001);
    }
}
