package dev.berth.itest;

import static dev.berth.itest.PodSandboxIT.mountsUnder;
import static dev.berth.itest.PodSandboxIT.sh;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.api.cri.v1.ContainerConfig;
import dev.berth.api.cri.v1.ExecSyncRequest;
import dev.berth.api.cri.v1.ExecSyncResponse;
import dev.berth.api.cri.v1.Mount;
import dev.berth.api.cri.v1.MountPropagation;
import dev.berth.api.cri.v1.NamespaceMode;
import dev.berth.api.cri.v1.RuntimeHandler;
import dev.berth.api.cri.v1.StatusRequest;
import dev.berth.api.cri.v1.StatusResponse;
import dev.berth.itest.registry.Registries;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Recursive read-only binds through the CRI of a real berthd: a host dir with a tmpfs mounted on a sub-dir, bound
 * read-only into a busybox container, and the runtime handler features Status reports. The tmpfs lives outside the
 * daemon's dir and is unmounted after each test, pass or fail.
 */
@ExtendWith({Daemons.class, Registries.Extension.class})
class RecursiveReadOnlyIT {
    private static final String CRI = "[plugins.\"io.berth.grpc.v1.cri\"";
    private static Path runc;

    private final List<Berthd> daemons = new ArrayList<>();
    private final String cgroupParent = "/berth-it-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    private Path dir;
    /** Host dir bound into containers; {@code sub} has a tmpfs of its own. */
    private Path data;

    @BeforeAll
    static void requireRootRuncConmon() {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root");
        runc = Stream.of("/usr/sbin/runc", "/usr/bin/runc").map(Path::of).filter(Files::isExecutable).findFirst()
                .orElse(null);
        assumeTrue(runc != null, "needs runc");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/conmon")) || Files.isExecutable(Path.of("/usr/libexec/podman/conmon")),
                "needs conmon");
    }

    @BeforeEach
    void mountSubTmpfs() throws Exception {
        data = Files.createTempDirectory("berth-rro-");
        // the image's user is not root: let it reach the tmpfs (mode 1777), so only the mount decides
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createDirectories(data.resolve("sub"));
        PodSandboxIT.Sh m = sh("mount", "-t", "tmpfs", "-o", "size=1m", "berth-rro", data.resolve("sub").toString());
        assertThat(m.code()).as(m.out()).isZero();
    }

    // ------------------------------------------------------------------ tests

    @Test
    void statusReportsWhatEachHandlersRuntimeSays(Daemons.Session s) throws Exception {
        TestConfig c = s.config();
        Path old = oldRuntime(c.dir());
        c.append(CRI + ".runtimes.old]\nruntime_path = \"" + old + "\"\n");
        Berthd d = start(s, c);
        boolean rro = runcListsRro();
        StatusResponse st = d.runtime().status(StatusRequest.getDefaultInstance());
        Map<String, RuntimeHandler> byName = st.getRuntimeHandlersList().stream()
                .collect(Collectors.toMap(RuntimeHandler::getName, h -> h));
        assertThat(byName).as("the default handler also under \"\", as the CRI asks").containsOnlyKeys("", "runc", "old");
        assertThat(byName.get("").getFeatures().getRecursiveReadOnlyMounts()).isEqualTo(rro);
        assertThat(byName.get("runc").getFeatures().getRecursiveReadOnlyMounts()).isEqualTo(rro);
        assertThat(byName.get("old").getFeatures().getRecursiveReadOnlyMounts()).isFalse();
        // user namespaces need `features` to list them: the old runtime cannot say (UserNamespaceIT has the rest)
        assertThat(byName.get("old").getFeatures().getUserNamespaces()).isFalse();
        assertThat(byName.get("").getFeatures().getUserNamespaces())
                .isEqualTo(byName.get("runc").getFeatures().getUserNamespaces());
        assertThat(st.getFeatures().getSupplementalGroupsPolicy()).as("every handler runs on the runc shim").isTrue();
    }

    @Test
    void recursiveReadOnlyCoversSubMountsPlainReadOnlyDoesNot(Daemons.Session s, Registries r) throws Exception {
        assumeTrue(runcListsRro(), "runc features does not list rro");
        Berthd d = start(s, s.config());
        String image = CriFixtures.pushAndPullBusybox(d, r);
        String pod = CriPods.runPod(d, dir, cgroupParent, "rro", NamespaceMode.NODE, NamespaceMode.CONTAINER);

        String rro = CriPods.createAndStart(d, pod, "rro", image, List.of("sleep", "300"), NamespaceMode.NODE,
                bind(true, MountPropagation.PROPAGATION_PRIVATE));
        ExecSyncResponse sub = write(d, rro, "/data/sub/f");
        assertThat(sub.getExitCode()).isNotZero();
        assertThat(sub.getStderr().toStringUtf8()).contains("Read-only file system");
        assertThat(write(d, rro, "/data/f").getExitCode()).isNotZero();

        String ro = CriPods.createAndStart(d, pod, "ro", image, List.of("sleep", "300"), NamespaceMode.NODE,
                bind(false, MountPropagation.PROPAGATION_PRIVATE));
        ExecSyncResponse plain = write(d, ro, "/data/sub/f");
        assertThat(plain.getExitCode()).as("the kernel leaves a sub-mount of a read-only bind writable: "
                + plain.getStderr().toStringUtf8()).isZero();
        assertThat(data.resolve("sub/f")).hasContent("x");
        assertThat(write(d, ro, "/data/f").getExitCode()).isNotZero();
    }

    @Test
    void recursiveReadOnlyIsRefusedWhereItCannotHold(Daemons.Session s, Registries r) throws Exception {
        TestConfig c = s.config();
        Path old = oldRuntime(c.dir());
        c.append(CRI + ".runtimes.old]\nruntime_path = \"" + old + "\"\n");
        Berthd d = start(s, c);
        String image = CriFixtures.pushAndPullBusybox(d, r);
        String pod = CriPods.runPod(d, dir, cgroupParent, "p", NamespaceMode.NODE, NamespaceMode.CONTAINER);
        if (runcListsRro()) {
            expectInvalid(() -> CriPods.create(d, pod, "writable", image, List.of("sleep", "300"), NamespaceMode.NODE,
                    c2 -> c2.addMounts(Mount.newBuilder().setContainerPath("/data").setHostPath(data.toString())
                            .setRecursiveReadOnly(true))), "recursive_read_only needs readonly");
            expectInvalid(() -> CriPods.create(d, pod, "slave", image, List.of("sleep", "300"), NamespaceMode.NODE,
                    bind(true, MountPropagation.PROPAGATION_HOST_TO_CONTAINER)), "PROPAGATION_PRIVATE");
        }
        String oldPod = CriPods.runPod(d, dir, cgroupParent, "old", NamespaceMode.NODE, NamespaceMode.CONTAINER, "old");
        expectInvalid(() -> CriPods.create(d, oldPod, "rro", image, List.of("sleep", "300"), NamespaceMode.NODE,
                bind(true, MountPropagation.PROPAGATION_PRIVATE)), "does not support recursive read-only mounts");
    }

    // ------------------------------------------------------------------ cleanup

    @AfterEach
    void cleanUp() throws Exception {
        try {
            CriPods.cleanUp(daemons, dir, cgroupParent);
        } finally {
            for (Path m : mountsUnder(data)) {
                sh("umount", "-l", m.toString());
            }
            assertThat(mountsUnder(data)).as("mounts left under " + data).isEmpty();
            sh("rm", "-rf", data.toString());
        }
    }

    // ------------------------------------------------------------------ helpers

    private Berthd start(Daemons.Session s, TestConfig c) throws Exception {
        dir = c.dir();
        Berthd d = s.start(c);
        daemons.add(d);
        return d;
    }

    /** Binds {@code data} read-only at /data. */
    private UnaryOperator<ContainerConfig.Builder> bind(boolean recursive, MountPropagation propagation) {
        return c -> c.addMounts(Mount.newBuilder().setContainerPath("/data").setHostPath(data.toString())
                .setReadonly(true).setRecursiveReadOnly(recursive).setPropagation(propagation));
    }

    private static ExecSyncResponse write(Berthd d, String id, String file) {
        return d.runtime().execSync(ExecSyncRequest.newBuilder().setContainerId(id)
                .addAllCmd(List.of("sh", "-c", "echo x > " + file)).setTimeout(10).build());
    }

    /** Whether this host's runc says it can do recursive read-only mounts. */
    private static boolean runcListsRro() throws Exception {
        PodSandboxIT.Sh f = sh(runc.toString(), "features");
        return f.code() == 0 && f.out().contains("\"rro\"");
    }

    /** A runc from before the {@code features} command (1.0): runs containers, cannot be asked. */
    private static Path oldRuntime(Path dir) throws Exception {
        Path old = dir.resolve("runc-1.0");
        Files.writeString(old, "#!/bin/sh\n[ \"$1\" = features ] && { echo \"No help topic for 'features'\" >&2; exit 3; }\n"
                + "exec " + runc + " \"$@\"\n");
        old.toFile().setExecutable(true);
        return old;
    }

    private static void expectInvalid(Runnable call, String inMessage) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(e.getStatus().getDescription()).contains(inMessage);
        });
    }
}
