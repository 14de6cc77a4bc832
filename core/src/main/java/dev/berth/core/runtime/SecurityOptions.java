package dev.berth.core.runtime;

import java.util.List;

/**
 * A container's security context, as the CRI's {@code LinuxContainerSecurityContext}.
 *
 * @param runAsUser          uid, or null to use {@code runAsUsername} or else the image's user
 * @param runAsUsername      a user name looked up in the image's {@code /etc/passwd}, or ""
 * @param runAsGroup         gid, or null for the user's primary group
 * @param supplementalGroups extra gids; with {@link GroupsPolicy#MERGE} added to the user's groups from the image's
 *                           {@code /etc/group}, with {@link GroupsPolicy#STRICT} the only extra groups
 * @param maskedPaths        paths masked in the container; empty means the shim's defaults (none when privileged)
 * @param readonlyPaths      paths made read-only; empty means the shim's defaults (none when privileged)
 */
public record SecurityOptions(boolean privileged, Long runAsUser, String runAsUsername, Long runAsGroup,
                              List<Long> supplementalGroups, GroupsPolicy groupsPolicy, List<String> capabilitiesAdd,
                              List<String> capabilitiesDrop, boolean noNewPrivs, boolean readonlyRootfs,
                              SecurityProfile seccomp, SecurityProfile apparmor, List<String> maskedPaths,
                              List<String> readonlyPaths) {
    /** The CRI's {@code SupplementalGroupsPolicy}. */
    public enum GroupsPolicy { MERGE, STRICT }

    public SecurityOptions {
        runAsUsername = runAsUsername == null ? "" : runAsUsername;
        supplementalGroups = supplementalGroups == null ? List.of() : List.copyOf(supplementalGroups);
        groupsPolicy = groupsPolicy == null ? GroupsPolicy.MERGE : groupsPolicy;
        capabilitiesAdd = capabilitiesAdd == null ? List.of() : List.copyOf(capabilitiesAdd);
        capabilitiesDrop = capabilitiesDrop == null ? List.of() : List.copyOf(capabilitiesDrop);
        seccomp = seccomp == null ? SecurityProfile.unconfined() : seccomp;
        apparmor = apparmor == null ? SecurityProfile.unconfined() : apparmor;
        maskedPaths = maskedPaths == null ? List.of() : List.copyOf(maskedPaths);
        readonlyPaths = readonlyPaths == null ? List.of() : List.copyOf(readonlyPaths);
    }

    /** Nothing asked for: the image's user, default capabilities, no profiles. */
    public static SecurityOptions defaults() {
        return new SecurityOptions(false, null, "", null, List.of(), GroupsPolicy.MERGE, List.of(), List.of(), false,
                false, null, null, List.of(), List.of());
    }
}
