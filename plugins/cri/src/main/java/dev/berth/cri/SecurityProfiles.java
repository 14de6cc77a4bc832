package dev.berth.cri;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.runtime.SecurityProfile;

/**
 * CRI seccomp/AppArmor profile choices → {@link SecurityProfile}, for containers and sandboxes alike: the
 * {@code SecurityProfile} message when set, else the deprecated string field. Bad values are INVALID_ARGUMENT naming
 * the field.
 */
public final class SecurityProfiles {
    private SecurityProfiles() {
    }

    /**
     * @param message    the {@code SecurityProfile} message, or null when the request does not set it
     * @param legacy     the deprecated string form ("" or "unconfined", "runtime/default", "localhost/&lt;ref&gt;")
     * @param field      the message field's name, for errors
     * @param legacyField the string field's name, for errors
     */
    public static SecurityProfile of(dev.berth.api.cri.v1.SecurityProfile message, String field, String legacy,
                                     String legacyField) {
        return message != null ? message(message, field) : legacy(legacy, legacyField);
    }

    private static SecurityProfile message(dev.berth.api.cri.v1.SecurityProfile p, String field) {
        SecurityProfile.Kind kind = switch (p.getProfileType()) {
            case RuntimeDefault -> SecurityProfile.Kind.RUNTIME_DEFAULT;
            case Localhost -> SecurityProfile.Kind.LOCALHOST;
            case Unconfined -> SecurityProfile.Kind.UNCONFINED;
            case UNRECOGNIZED -> throw BerthException.invalidArgument("%s.profile_type %d is not RuntimeDefault, "
                    + "Unconfined or Localhost", field, p.getProfileTypeValue());
        };
        if (kind == SecurityProfile.Kind.LOCALHOST && p.getLocalhostRef().isEmpty()) {
            throw BerthException.invalidArgument("%s.localhost_ref is required with profile_type Localhost", field);
        }
        return new SecurityProfile(kind, p.getLocalhostRef());
    }

    private static SecurityProfile legacy(String s, String field) {
        if (s.isEmpty() || s.equals("unconfined")) {
            return SecurityProfile.unconfined();
        }
        if (s.equals("runtime/default") || s.equals("docker/default")) {
            return new SecurityProfile(SecurityProfile.Kind.RUNTIME_DEFAULT, "");
        }
        if (s.startsWith("localhost/") && s.length() > "localhost/".length()) {
            return new SecurityProfile(SecurityProfile.Kind.LOCALHOST, s.substring("localhost/".length()));
        }
        throw BerthException.invalidArgument("%s \"%s\": want unconfined, runtime/default or localhost/<profile>", field, s);
    }
}
