package dev.berth.shim.runc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.core.mount.Mount;
import dev.berth.core.mount.Mounts;
import dev.berth.core.runtime.ContainerMount;
import dev.berth.core.runtime.ContainerSpec;
import dev.berth.core.runtime.PodContext;
import dev.berth.core.sandbox.UserNamespace;
import dev.berth.core.sys.UserNamespaces;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Idmapped rootfs and volumes on the real kernel (root only): a root-owned layer is seen as owned by the pod's root
 * on the host (so as uid 0 inside its user namespace), without a chown of the layer; nothing of the layer copies stays
 * mounted; and a kernel or file system without idmapped mounts makes the probe say no.
 */
class IdmappedMountsTest {
    private static final long BASE = 0x50000;

    @TempDir
    Path dir;
    private Path userns;
    private PodContext pod;

    @BeforeEach
    void userNamespace() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "idmapped mounts need root");
        userns = dir.resolve("userns");
        UserNamespace ids = new UserNamespace(List.of(new UserNamespace.IdMapping(0, BASE, 65536)),
                List.of(new UserNamespace.IdMapping(0, BASE, 65536)));
        UserNamespaces.create(ids, userns, Map.of());
        pod = new PodContext("sb", "", "", "", "", false, false, null, "", "", "", "", "", "", "", Map.of())
                .inUserNamespace(userns.toString(), ids);
    }

    @AfterEach
    void unmountAll() {
        for (Path m : Mounts.mountPointsUnder(dir)) {
            Mounts.unmountAll(m);
        }
    }

    @Test
    void anOverlayRootfsSeesItsLayersThroughTheMappingsAndItsRootOwnsTheUpperDir() throws Exception {
        Path lower = Files.createDirectories(dir.resolve("lower/etc"));
        Files.writeString(lower.resolve("shadow"), "root:*:\n");
        Files.setPosixFilePermissions(lower.resolve("shadow"), PosixFilePermissions.fromString("rw-------"));
        Path upper = Files.createDirectories(dir.resolve("upper"));
        Path work = Files.createDirectories(dir.resolve("work"));
        Path bundle = Files.createDirectories(dir.resolve("bundle"));
        Path rootfs = Files.createDirectories(bundle.resolve("rootfs"));

        IdmappedMounts.mountRootfs(List.of(new Mount("overlay", "overlay", List.of("lowerdir=" + dir.resolve("lower"),
                "upperdir=" + upper, "workdir=" + work))), rootfs, bundle, pod);

        assertThat(uid(rootfs.resolve("etc/shadow"))).as("a root-owned layer file, through the mapping").isEqualTo(BASE);
        assertThat(uid(lower.resolve("shadow"))).as("the layer itself is not chowned").isZero();
        assertThat(uid(upper)).as("the merged root is the upper dir, owned by the pod's root").isEqualTo(BASE);
        assertThat(Mounts.mountPointsUnder(bundle)).as("only the rootfs: the layer copies are gone")
                .containsExactly(rootfs);
    }

    @Test
    void aVolumeIsReplacedByAnIdmappedCopyUnderTheBundle() throws Exception {
        Path volume = Files.createDirectories(dir.resolve("volume"));
        Files.writeString(volume.resolve("secret"), "x");
        Path bundle = Files.createDirectories(dir.resolve("bundle"));
        ContainerSpec spec = new ContainerSpec("c", "c", pod, List.of(), null, null, null, null, "", false, false,
                false, "", List.of(new ContainerMount("/data", volume.toString(), false,
                ContainerMount.Propagation.PRIVATE), new ContainerMount("/gone", dir.resolve("absent").toString(),
                false, ContainerMount.Propagation.PRIVATE)), null, null, null, null, null, "");

        ContainerSpec mapped = IdmappedMounts.volumes(spec, bundle);

        Path copy = Path.of(mapped.mounts().get(0).hostPath());
        assertThat(copy).startsWith(bundle.resolve(IdmappedMounts.DIR));
        assertThat(uid(copy.resolve("secret"))).isEqualTo(BASE);
        assertThat(mapped.mounts().get(1).hostPath()).as("a missing source is left for the spec builder to name")
                .isEqualTo(dir.resolve("absent").toString());
    }

    @Test
    void theProbeSaysYesWhereIdmappedMountsWorkAndNoOnRamfs() throws Exception {
        Files.setPosixFilePermissions(dir, StateDirAccess.SEARCHABLE);
        Path state = Files.createDirectories(dir.resolve("state"));
        assumeTrue(StateDirAccess.unsearchableAncestor(state).isEmpty(), "the temp dir's parents are not searchable");
        assertThat(new IdmappedMountsProbe(dir, state).getAsBoolean()).as("on the test's own file system").isTrue();
        Path ramfs = Files.createDirectories(dir.resolve("ramfs"));
        Mounts.mount(new Mount("ramfs", "berth-test-ramfs", List.of()), ramfs);
        assertThat(new IdmappedMountsProbe(ramfs, state).getAsBoolean()).as("ramfs cannot be idmapped").isFalse();
        Path closed = Files.createDirectories(dir.resolve("closed"));
        Files.setPosixFilePermissions(closed, StateDirAccess.PRIVATE);
        assertThat(new IdmappedMountsProbe(dir, Files.createDirectories(closed.resolve("state"))).getAsBoolean())
                .as("a state dir below a directory others cannot search").isFalse();
        assertThat(Mounts.mountPointsUnder(ramfs)).as("the probe leaves nothing mounted").containsExactly(ramfs);
    }

    private static long uid(Path p) throws Exception {
        return ((Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS)).longValue();
    }
}
