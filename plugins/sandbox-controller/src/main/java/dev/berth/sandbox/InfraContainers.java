package dev.berth.sandbox;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.mount.Mount;
import dev.berth.core.plugin.PluginTypes;
import dev.berth.core.runtime.ContainerSpec;
import dev.berth.core.runtime.ContainerState;
import dev.berth.core.runtime.PodContext;
import dev.berth.core.runtime.Resources;
import dev.berth.core.runtime.RuntimeShim;
import dev.berth.core.runtime.SecurityOptions;
import dev.berth.core.sandbox.InfraContainer;
import dev.berth.core.sandbox.NamespaceMode;
import dev.berth.core.sandbox.SandboxConfig;
import dev.berth.core.sandbox.SandboxSecurity;
import dev.berth.core.snapshot.Kind;
import dev.berth.core.snapshot.Snapshotter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The infra containers of pods whose runtime handler runs them from the sandbox image ({@code pod_infra = "image"}).
 * Its root filesystem is a snapshot of the image ({@code sandbox-<id>}: a view when the pod asks for a read-only
 * root, else an active snapshot) and its process is the image's entrypoint and cmd, run as one more container of the
 * handler's runtime shim, under the sandbox's id, joining the pod's pinned namespaces.
 * <p>
 * Through the shim SPI rather than runc directly, because the shim already does everything a pause container needs:
 * the OCI spec from an image process (the image's user looked up in its own {@code /etc/passwd}, seccomp, AppArmor,
 * capabilities, masked paths), the cgroup {@code <cgroup_parent>/berth-<id>} (the sandbox id: where the pause-less
 * mode puts its pid namespace holder), a monitor that outlives berthd, and truthful exits after a restart. The CRI's
 * container list is its own records, so the kubelet never sees this container.
 */
final class InfraContainers {
    /** Snapshot keys of infra root filesystems: unlike containers' (their bare ids) and the unpacker's. */
    static final String SNAPSHOT_PREFIX = "sandbox-";
    private static final Logger LOG = LoggerFactory.getLogger(InfraContainers.class);

    private final Map<String, Snapshotter> snapshotters;
    private final Map<String, RuntimeShim> runtimes;

    /**
     * @param snapshotters running snapshotter plugins by id
     * @param runtimes     running runtime shim plugins by id
     */
    InfraContainers(Map<String, Snapshotter> snapshotters, Map<String, RuntimeShim> runtimes) {
        this.snapshotters = Map.copyOf(snapshotters);
        this.runtimes = Map.copyOf(runtimes);
    }

    static String snapshotKey(String sandboxId) {
        return SNAPSHOT_PREFIX + sandboxId;
    }

    /** FAILED_PRECONDITION naming the plugin when the snapshotter or runtime {@code infra} needs is not running. */
    void check(InfraContainer infra) {
        snapshotter(infra);
        runtime(infra);
    }

    /**
     * Creates and starts sandbox {@code id}'s infra container in {@code pod}'s namespaces; returns its host pid. On
     * failure nothing of it is left: no container, no snapshot.
     */
    long start(String id, SandboxConfig c, PodContext pod) {
        InfraContainer infra = c.infra();
        Snapshotter snapshots = snapshotter(infra);
        RuntimeShim shim = runtime(infra);
        try {
            String key = snapshotKey(id);
            List<Mount> rootfs = c.security().readonlyRootfs() ? snapshots.view(key, infra.parent(), Map.of())
                    : snapshots.prepare(key, infra.parent(), Map.of());
            shim.create(spec(id, c, pod, rootfs));
            return shim.start(id).pid();
        } catch (RuntimeException e) {
            try {
                remove(id, infra);
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            ErrorKind kind = e instanceof BerthException b ? b.kind() : ErrorKind.INTERNAL;
            throw new BerthException(kind, "sandbox " + id + ": infra container from " + infra.image() + ": "
                    + e.getMessage(), e);
        }
    }

    /** Whether sandbox {@code id}'s infra container runs (not when it exited, is gone, or its runtime is not running). */
    boolean running(String id, InfraContainer infra) {
        RuntimeShim shim = runtimes.get(infra.runtime());
        if (shim == null) {
            return false;
        }
        try {
            return shim.status(id).state() == ContainerState.RUNNING;
        } catch (BerthException e) {
            if (e.kind() == ErrorKind.NOT_FOUND) {
                return false;
            }
            throw e;
        }
    }

    /** Sends the image's stop signal (SIGTERM by default), then SIGKILL after {@code grace}; nothing to do when gone. */
    void stop(String id, InfraContainer infra, Duration grace) {
        try {
            runtime(infra).stop(id, infra.process().stopSignal(), grace);
        } catch (BerthException e) {
            if (e.kind() != ErrorKind.NOT_FOUND) {
                throw e;
            }
        }
    }

    /** Removes the container (its runtime state, monitor and rootfs mount), then its snapshot; absent is fine. */
    void remove(String id, InfraContainer infra) {
        runtime(infra).delete(id);
        try {
            snapshotter(infra).remove(snapshotKey(id));
        } catch (BerthException e) {
            if (e.kind() != ErrorKind.NOT_FOUND) {
                throw e;
            }
        }
    }

    /** Startup: removes infra snapshots whose sandbox has no record (a crash between removing both). Never throws. */
    void removeOrphanSnapshots(Set<String> sandboxIds) {
        for (Map.Entry<String, Snapshotter> s : snapshotters.entrySet()) {
            try {
                List<String> orphans = new ArrayList<>();
                s.getValue().walk(i -> i.kind() != Kind.COMMITTED && i.name().startsWith(SNAPSHOT_PREFIX)
                        && !sandboxIds.contains(i.name().substring(SNAPSHOT_PREFIX.length())), i -> orphans.add(i.name()));
                for (String key : orphans) {
                    LOG.warn("infra snapshot {} in {}: no sandbox record; removing it", key, s.getKey());
                    s.getValue().remove(key);
                }
            } catch (RuntimeException e) {
                LOG.warn("snapshotter {}: removing orphan infra snapshots failed: {}", s.getKey(), e.getMessage());
            }
        }
    }

    /**
     * The pod's namespaces as the infra container joins them (a null path: the host's): its own new pid namespace,
     * which the pod's containers join when they share one, or the host's when the pod asks for that.
     */
    static PodContext podContext(String id, SandboxConfig c, String hostname, Path netns, Path ipcns, Path utsns) {
        NamespaceMode pid = c.namespaceOptions().pid() == NamespaceMode.NODE ? NamespaceMode.NODE : NamespaceMode.CONTAINER;
        return new PodContext(id, str(netns), str(ipcns), str(utsns), "", netns == null, ipcns == null, pid, "",
                hostname, "", "", "", "", c.cgroupParent(), Map.of());
    }

    /**
     * The shim's spec: the image's process with no stdio or log, no new privileges, and the pod's own security
     * context (user, group, read-only root, seccomp, AppArmor, privileged).
     */
    static ContainerSpec spec(String id, SandboxConfig c, PodContext pod, List<Mount> rootfs) {
        InfraContainer infra = c.infra();
        SandboxSecurity s = c.security();
        SecurityOptions security = new SecurityOptions(s.privileged(), s.runAsUser(), "", s.runAsGroup(), List.of(),
                SecurityOptions.GroupsPolicy.MERGE, List.of(), List.of(), true, s.readonlyRootfs(), s.seccomp(),
                s.apparmor(), List.of(), List.of());
        return new ContainerSpec(id, "infra", pod, rootfs, infra.process(), List.of(), List.of(), List.of(), "", false,
                false, false, "", List.of(), List.of(), Resources.none(), security, Map.of(), Map.of(),
                infra.runtimePath());
    }

    private Snapshotter snapshotter(InfraContainer infra) {
        Snapshotter s = snapshotters.get(infra.snapshotter());
        if (s == null) {
            throw BerthException.failedPrecondition("the infra container from %s needs %s plugin \"%s\", which is not"
                    + " running", infra.image(), PluginTypes.SNAPSHOTTER, infra.snapshotter());
        }
        return s;
    }

    private RuntimeShim runtime(InfraContainer infra) {
        RuntimeShim r = runtimes.get(infra.runtime());
        if (r == null) {
            throw BerthException.failedPrecondition("the infra container from %s needs %s plugin \"%s\", which is not"
                    + " running", infra.image(), PluginTypes.RUNTIME, infra.runtime());
        }
        return r;
    }

    private static String str(Path p) {
        return p == null ? "" : p.toString();
    }
}
