package dev.berth.core.sandbox;

import dev.berth.core.runtime.SecurityProfile;

/**
 * The pod-level part of the CRI's {@code LinuxSandboxSecurityContext} that a controller must honour or refuse:
 * whether privileged containers may run in the pod, and the profiles that confine the sandbox's own process.
 *
 * @param privileged whether the pod may hold privileged containers; a privileged container in a pod without it
 *                   is refused, as the CRI requires
 * @param seccomp    the seccomp profile of the sandbox's own process (not of its containers)
 * @param apparmor   the AppArmor profile of the sandbox's own process
 */
public record SandboxSecurity(boolean privileged, SecurityProfile seccomp, SecurityProfile apparmor) {
    public SandboxSecurity {
        seccomp = seccomp == null ? SecurityProfile.unconfined() : seccomp;
        apparmor = apparmor == null ? SecurityProfile.unconfined() : apparmor;
    }

    public static SandboxSecurity defaults() {
        return new SandboxSecurity(false, null, null);
    }
}
