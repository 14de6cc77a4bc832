package dev.berth.shim.runc.spec;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.runtime.SecurityOptions;
import dev.berth.core.runtime.SecurityProfile;

/**
 * Chooses the AppArmor profile of a container. A named profile on a host without AppArmor fails the create, since
 * running the container unconfined would silently drop a protection the user asked for.
 */
final class AppArmorProfiles {
    private final boolean enabled;

    AppArmorProfiles(boolean enabled) {
        this.enabled = enabled;
    }

    /** The profile name for {@code process.apparmorProfile}, or null for none. */
    String forContainer(SecurityOptions sec) {
        SecurityProfile profile = sec.apparmor();
        if (sec.privileged() || profile.kind() != SecurityProfile.Kind.LOCALHOST) {
            // RUNTIME_DEFAULT: Berth installs no profile of its own yet, so the process keeps runc's (none)
            return null;
        }
        if (!enabled) {
            throw BerthException.invalidArgument("apparmor is not enabled on this host (profile \"%s\" requested)",
                    profile.localhostRef());
        }
        if (profile.localhostRef().isEmpty()) {
            throw BerthException.invalidArgument("apparmor localhost profile needs a profile name");
        }
        return profile.localhostRef();
    }
}
