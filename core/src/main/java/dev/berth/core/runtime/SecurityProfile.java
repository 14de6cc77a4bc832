package dev.berth.core.runtime;

/**
 * A seccomp or AppArmor profile choice, as the CRI's {@code SecurityProfile}.
 *
 * @param localhostRef with {@link Kind#LOCALHOST}: the profile's file (seccomp) or name (AppArmor); else ""
 */
public record SecurityProfile(Kind kind, String localhostRef) {
    public enum Kind { RUNTIME_DEFAULT, UNCONFINED, LOCALHOST }

    public SecurityProfile {
        kind = kind == null ? Kind.UNCONFINED : kind;
        localhostRef = localhostRef == null ? "" : localhostRef;
    }

    public static SecurityProfile unconfined() {
        return new SecurityProfile(Kind.UNCONFINED, "");
    }
}
