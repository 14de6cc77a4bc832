package dev.berth.cri.containers;

import dev.berth.api.cri.v1.Capability;
import dev.berth.api.cri.v1.ContainerConfig;
import dev.berth.api.cri.v1.HugepageLimit;
import dev.berth.api.cri.v1.LinuxContainerResources;
import dev.berth.api.cri.v1.LinuxContainerSecurityContext;
import dev.berth.api.cri.v1.Mount;
import dev.berth.api.cri.v1.NamespaceOption;
import dev.berth.api.cri.v1.Signal;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.runtime.ContainerMount;
import dev.berth.core.runtime.ContainerSpec;
import dev.berth.core.runtime.DeviceMapping;
import dev.berth.core.runtime.PodContext;
import dev.berth.core.runtime.Resources;
import dev.berth.core.runtime.SecurityOptions;
import dev.berth.core.runtime.SecurityProfile;
import dev.berth.core.sandbox.NamespaceMode;
import dev.berth.core.sandbox.SandboxConfig;
import dev.berth.core.sandbox.SandboxStatus;
import dev.berth.core.sandbox.UserNamespace;
import dev.berth.cri.SecurityProfiles;
import dev.berth.cri.sandboxes.SandboxConfigConversion;
import dev.berth.cri.registry.ImageConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * CRI {@code ContainerConfig} (plus its pod and image) → the runtime-neutral {@link ContainerSpec} a shim runs.
 * Checks what only the CRI layer can check (the log path stays in the pod's log directory); the shim checks the rest.
 */
final class ContainerSpecConversion {
    private ContainerSpecConversion() {
    }

    /**
     * @param imageVolumes the mounts of each image volume's view, by index in {@code c}'s mounts (see
     *                     {@link ImageVolumes})
     */
    static ContainerSpec toSpec(String id, ContainerConfig c, SandboxStatus pod, ImageConfig image,
                                List<dev.berth.core.mount.Mount> rootfs, String logPath, String runtimePath,
                                Map<Integer, List<dev.berth.core.mount.Mount>> imageVolumes) {
        LinuxContainerSecurityContext sc = c.getLinux().getSecurityContext();
        checkUserNamespace(sc.getNamespaceOptions(), pod);
        if (sc.getPrivileged() && !pod.config().security().privileged()) {
            // The CRI: a pod that will run a privileged container MUST say so in its own security context.
            throw BerthException.invalidArgument("config.linux.security_context.privileged: sandbox %s was not created "
                    + "privileged, so it may not hold privileged containers", pod.id());
        }
        return new ContainerSpec(id, c.getMetadata().getName(), podContext(pod, sc.getNamespaceOptions()), rootfs,
                image.process(),
                c.getCommandList(), c.getArgsList(),
                c.getEnvsList().stream().map(kv -> kv.getKey() + "=" + kv.getValue().toStringUtf8()).toList(),
                c.getWorkingDir(), c.getTty(), c.getStdin(), c.getStdinOnce(), logPath,
                mounts(c.getMountsList(), imageVolumes),
                c.getDevicesList().stream()
                        .map(d -> new DeviceMapping(d.getContainerPath(), d.getHostPath(), d.getPermissions())).toList(),
                resources(c.getLinux().getResources()), security(sc), c.getLabelsMap(), c.getAnnotationsMap(),
                runtimePath);
    }

    /**
     * The log file: {@code log_path} inside the pod's {@code log_directory}; "" when either is unset (no log, as in
     * containerd).
     *
     * @throws BerthException INVALID_ARGUMENT when log_path is absolute or climbs out of the directory
     */
    static String logPath(SandboxConfig pod, ContainerConfig c) {
        if (pod.logDirectory().isEmpty() || c.getLogPath().isEmpty()) {
            return "";
        }
        Path dir = Path.of(pod.logDirectory()).normalize();
        Path rel = Path.of(c.getLogPath());
        Path file = dir.resolve(rel).normalize();
        if (rel.isAbsolute() || !file.startsWith(dir) || file.equals(dir)) {
            throw BerthException.invalidArgument("config.log_path \"%s\" must be a file inside the pod's log_directory %s",
                    c.getLogPath(), dir);
        }
        return file.toString();
    }

    /** The signal StopContainer sends first: the container's stop_signal, else the image's StopSignal. */
    static String stopSignal(ContainerConfig c, ImageConfig image) {
        Signal s = c.getStopSignal();
        if (s != Signal.SIGNAL_RUNTIME_DEFAULT && s != Signal.UNRECOGNIZED) {
            return s.name().substring("SIGNAL_".length());
        }
        return image.stopSignal();
    }

    /**
     * A container runs in its pod's user namespace, which owns the pod's other namespaces: it may repeat the pod's
     * {@code userns_options} (as the kubelet does) or leave them out, but not ask for another.
     */
    private static void checkUserNamespace(NamespaceOption o, SandboxStatus pod) {
        String field = "config.linux.security_context.namespace_options";
        if (!o.hasUsernsOptions()) {
            return;
        }
        UserNamespace asked = SandboxConfigConversion.userNamespace(o, field);
        UserNamespace podNs = pod.config().namespaceOptions().userns();
        if (!java.util.Objects.equals(asked, podNs)) {
            throw BerthException.invalidArgument("%s.userns_options must be those of sandbox %s (%s): a container "
                    + "runs in its pod's user namespace", field, pod.id(), podNs == null ? "mode NODE" : "mode POD, "
                    + podNs.uids().size() + " uid and " + podNs.gids().size() + " gid mappings");
        }
    }

    private static PodContext podContext(SandboxStatus pod, NamespaceOption containerNs) {
        SandboxConfig pc = pod.config();
        Map<String, String> info = pod.info();
        NamespaceMode pid = switch (containerNs.getPid()) {
            case POD -> NamespaceMode.POD;
            case NODE -> NamespaceMode.NODE;
            case TARGET -> NamespaceMode.TARGET;
            default -> NamespaceMode.CONTAINER;
        };
        PodContext ctx = new PodContext(pod.id(), pod.netnsPath(), info.getOrDefault(SandboxStatus.INFO_IPC_NS, ""),
                info.getOrDefault(SandboxStatus.INFO_UTS_NS, ""), info.getOrDefault(SandboxStatus.INFO_PID_NS, ""),
                pc.namespaceOptions().hostNetwork(), pc.namespaceOptions().hostIpc(), pid, containerNs.getTargetId(),
                pod.hostname(), info.getOrDefault(SandboxStatus.INFO_HOSTNAME_FILE, ""),
                info.getOrDefault(SandboxStatus.INFO_HOSTS_FILE, ""), info.getOrDefault(SandboxStatus.INFO_RESOLV_CONF, ""),
                info.getOrDefault(SandboxStatus.INFO_SHM, ""), pc.cgroupParent(), pc.sysctls());
        UserNamespace userns = pc.namespaceOptions().userns();
        if (userns == null) {
            return ctx;
        }
        String path = info.getOrDefault(SandboxStatus.INFO_USER_NS, "");
        if (path.isEmpty()) {
            throw BerthException.failedPrecondition("sandbox %s has no user namespace to join (is it ready?)", pod.id());
        }
        return ctx.inUserNamespace(path, userns);
    }

    private static List<ContainerMount> mounts(List<Mount> ms, Map<Integer, List<dev.berth.core.mount.Mount>> imageVolumes) {
        List<ContainerMount> out = new ArrayList<>(ms.size());
        for (int i = 0; i < ms.size(); i++) {
            Mount m = ms.get(i);
            if (ImageVolumes.isImage(m)) {
                List<dev.berth.core.mount.Mount> view = imageVolumes.get(i);
                if (view == null) {
                    throw new IllegalStateException("image volume " + i + " has no view");
                }
                // "All OCI mounts are per feature definition readonly" (CRI Mount.image): readonly = false changes nothing
                out.add(ContainerMount.ofImage(m.getContainerPath(), view, m.getImageSubPath(), m.getRecursiveReadOnly()));
                continue;
            }
            ContainerMount.Propagation p = switch (m.getPropagation()) {
                case PROPAGATION_HOST_TO_CONTAINER -> ContainerMount.Propagation.HOST_TO_CONTAINER;
                case PROPAGATION_BIDIRECTIONAL -> ContainerMount.Propagation.BIDIRECTIONAL;
                default -> ContainerMount.Propagation.PRIVATE;
            };
            out.add(new ContainerMount(m.getContainerPath(), m.getHostPath(), m.getReadonly(), p, m.getRecursiveReadOnly()));
        }
        return out;
    }

    static Resources resources(LinuxContainerResources r) {
        Map<String, Long> huge = new LinkedHashMap<>();
        for (HugepageLimit h : r.getHugepageLimitsList()) {
            huge.put(h.getPageSize(), h.getLimit());
        }
        return new Resources(r.getCpuPeriod(), r.getCpuQuota(), r.getCpuShares(), r.getMemoryLimitInBytes(),
                r.getOomScoreAdj(), r.getCpusetCpus(), r.getCpusetMems(), huge, r.getUnifiedMap(),
                r.getMemorySwapLimitInBytes());
    }

    static SecurityOptions security(LinuxContainerSecurityContext sc) {
        Capability caps = sc.getCapabilities();
        if (caps.getAddAmbientCapabilitiesCount() > 0) {
            throw BerthException.invalidArgument("linux.security_context.capabilities.add_ambient_capabilities is not supported");
        }
        SecurityProfile seccomp = SecurityProfiles.of(sc.hasSeccomp() ? sc.getSeccomp() : null,
                "linux.security_context.seccomp", sc.getSeccompProfilePath(), "linux.security_context.seccomp_profile_path");
        SecurityProfile apparmor = SecurityProfiles.of(sc.hasApparmor() ? sc.getApparmor() : null,
                "linux.security_context.apparmor", sc.getApparmorProfile(), "linux.security_context.apparmor_profile");
        return new SecurityOptions(sc.getPrivileged(), sc.hasRunAsUser() ? sc.getRunAsUser().getValue() : null,
                sc.getRunAsUsername(), sc.hasRunAsGroup() ? sc.getRunAsGroup().getValue() : null,
                sc.getSupplementalGroupsList(), groupsPolicy(sc),
                caps.getAddCapabilitiesList(), caps.getDropCapabilitiesList(), sc.getNoNewPrivs(),
                sc.getReadonlyRootfs(), seccomp, apparmor, sc.getMaskedPathsList(), sc.getReadonlyPathsList());
    }

    private static SecurityOptions.GroupsPolicy groupsPolicy(LinuxContainerSecurityContext sc) {
        return switch (sc.getSupplementalGroupsPolicy()) {
            case Merge -> SecurityOptions.GroupsPolicy.MERGE;
            case Strict -> SecurityOptions.GroupsPolicy.STRICT;
            case UNRECOGNIZED -> throw BerthException.invalidArgument(
                    "linux.security_context.supplemental_groups_policy %d is not Merge (0) or Strict (1)",
                    sc.getSupplementalGroupsPolicyValue());
        };
    }
}
