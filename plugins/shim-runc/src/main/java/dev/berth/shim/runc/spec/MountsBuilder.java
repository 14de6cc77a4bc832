package dev.berth.shim.runc.spec;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.runtime.ContainerMount;
import dev.berth.core.runtime.ContainerSpec;
import dev.berth.core.runtime.PodContext;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Lists what runc mounts into the container: the kernel file systems every Linux program expects, the pod's shared
 * files, then the user's binds, which win over a default at the same place. Parents come before children so a bind
 * under /dev is not hidden by the /dev tmpfs.
 */
final class MountsBuilder {
    private static final List<String> NO_EXEC_SUID_DEV = List.of("nosuid", "noexec", "nodev");

    List<Oci.Mount> forContainer(ContainerSpec spec, PodContext pod) {
        boolean privileged = spec.security().privileged();
        boolean readonlyRoot = spec.security().readonlyRootfs();
        Map<String, Oci.Mount> byDestination = new LinkedHashMap<>();
        for (Oci.Mount m : defaults(pod, privileged)) {
            byDestination.put(m.destination(), m);
        }
        podFile(byDestination, "/etc/hostname", pod.hostnameFile(), readonlyRoot);
        podFile(byDestination, "/etc/hosts", pod.hostsFile(), readonlyRoot);
        podFile(byDestination, "/etc/resolv.conf", pod.resolvConf(), readonlyRoot);
        for (int i = 0; i < spec.mounts().size(); i++) {
            Oci.Mount m = userBind(spec.mounts().get(i), i);
            byDestination.remove(m.destination()); // the replacement sorts by its own depth, not the default's slot
            byDestination.put(m.destination(), m);
        }
        List<Oci.Mount> mounts = new ArrayList<>(byDestination.values());
        mounts.sort(Comparator.comparingInt(m -> depth(m.destination()))); // stable: equal depths keep their order
        return mounts;
    }

    private static List<Oci.Mount> defaults(PodContext pod, boolean privileged) {
        String sysMode = privileged ? "rw" : "ro";
        List<Oci.Mount> mounts = new ArrayList<>();
        mounts.add(new Oci.Mount("/proc", "proc", "proc", NO_EXEC_SUID_DEV));
        mounts.add(new Oci.Mount("/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755",
                "size=65536k")));
        mounts.add(new Oci.Mount("/dev/pts", "devpts", "devpts", List.of("nosuid", "noexec", "newinstance",
                "ptmxmode=0666", "mode=0620", "gid=5")));
        if (pod.shmPath().isEmpty()) {
            mounts.add(new Oci.Mount("/dev/shm", "tmpfs", "shm", List.of("nosuid", "noexec", "nodev",
                    "mode=1777", "size=65536k")));
        } else {
            mounts.add(new Oci.Mount("/dev/shm", "bind", pod.shmPath(), List.of("rbind", "rprivate", "nosuid",
                    "noexec", "nodev", "rw")));
        }
        mounts.add(new Oci.Mount("/dev/mqueue", "mqueue", "mqueue", NO_EXEC_SUID_DEV));
        mounts.add(new Oci.Mount("/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", sysMode)));
        mounts.add(new Oci.Mount("/sys/fs/cgroup", "cgroup", "cgroup", List.of("nosuid", "noexec", "nodev",
                "relatime", sysMode)));
        return mounts;
    }

    private static void podFile(Map<String, Oci.Mount> mounts, String destination, String source, boolean readonly) {
        if (!source.isEmpty()) {
            mounts.put(destination, new Oci.Mount(destination, "bind", source,
                    List.of("rbind", "rprivate", readonly ? "ro" : "rw")));
        }
    }

    private static Oci.Mount userBind(ContainerMount mount, int index) {
        String destination = mount.containerPath();
        if (destination == null || !destination.startsWith("/")) {
            throw BerthException.invalidArgument("mounts[%d].container_path %s is not absolute", index, destination);
        }
        String hostPath = mount.hostPath() == null ? "" : mount.hostPath();
        if (!hostPath.startsWith("/")) {
            throw BerthException.invalidArgument("mounts[%d].host_path \"%s\" is not absolute", index, hostPath);
        }
        Path source;
        try {
            source = Path.of(hostPath).toRealPath(); // a host-side symlink is the host's to resolve, not runc's
        } catch (IOException | RuntimeException e) {
            throw BerthException.invalidArgument("mounts[%d].host_path %s does not exist", index, hostPath);
        }
        String propagation = switch (mount.propagation()) {
            case PRIVATE -> "rprivate";
            case HOST_TO_CONTAINER -> "rslave";
            case BIDIRECTIONAL -> "rshared";
        };
        List<String> options = new ArrayList<>(List.of("rbind", mount.readOnly() ? "ro" : "rw", propagation));
        if (mount.recursiveReadOnly()) {
            requireRecursiveReadOnlyShape(mount, index);
            options.add("rro"); // "ro" covers the bind itself, "rro" every mount below it (mount_setattr)
        }
        return new Oci.Mount(Path.of(destination).normalize().toString(), "bind", source.toString(), options);
    }

    /**
     * The CRI's rule: a recursive read-only mount must be read-only and private; a propagating one could receive
     * writable mounts later.
     */
    private static void requireRecursiveReadOnlyShape(ContainerMount mount, int index) {
        if (!mount.readOnly()) {
            throw BerthException.invalidArgument("mounts[%d].recursive_read_only needs readonly = true", index);
        }
        if (mount.propagation() != ContainerMount.Propagation.PRIVATE) {
            throw BerthException.invalidArgument("mounts[%d].recursive_read_only needs propagation "
                    + "PROPAGATION_PRIVATE, not %s", index, mount.propagation());
        }
    }

    private static int depth(String destination) {
        return Path.of(destination).normalize().getNameCount();
    }
}
