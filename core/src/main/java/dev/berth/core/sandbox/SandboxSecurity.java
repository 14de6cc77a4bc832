package dev.berth.core.sandbox;

import dev.berth.core.runtime.SecurityProfile;

/**
 * The pod-level part of the CRI's {@code LinuxSandboxSecurityContext} that a controller must honour or refuse:
 * whether privileged containers may run in the pod, and what confines the sandbox's own process (its infra container,
 * where it has one).
 *
 * @param privileged     whether the pod may hold privileged containers; a privileged container in a pod without it
 *                       is refused, as the CRI requires
 * @param seccomp        the seccomp profile of the sandbox's own process (not of its containers)
 * @param apparmor       the AppArmor profile of the sandbox's own process
 * @param runAsUser      uid of the sandbox's own process, or null for its image's user
 * @param runAsGroup     gid of the sandbox's own process, or null for its user's primary group
 * @param readonlyRootfs whether the sandbox's own process gets its root filesystem read-only
 */
public record SandboxSecurity(boolean privileged, SecurityProfile seccomp, SecurityProfile apparmor, Long runAsUser,
                              Long runAsGroup, boolean readonlyRootfs) {
    public SandboxSecurity {
        seccomp = seccomp == null ? SecurityProfile.unconfined() : seccomp;
        apparmor = apparmor == null ? SecurityProfile.unconfined() : apparmor;
    }

    /** The image's user and a writable root filesystem. */
    public SandboxSecurity(boolean privileged, SecurityProfile seccomp, SecurityProfile apparmor) {
        this(privileged, seccomp, apparmor, null, null, false);
    }

    public static SandboxSecurity defaults() {
        return new SandboxSecurity(false, null, null);
    }
}
