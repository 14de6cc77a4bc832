package dev.berth.cri.registry;

import dev.berth.core.errdefs.BerthException;
import java.util.Locale;
import java.util.Objects;

/**
 * An OCI platform: which manifest of a multi-platform image suits a node.
 *
 * @param os           e.g. {@code linux}
 * @param architecture in GOARCH spelling, e.g. {@code amd64}, {@code arm64}
 * @param variant      e.g. {@code v7} for arm; empty when none
 */
public record Platform(String os, String architecture, String variant) {
    public Platform {
        Objects.requireNonNull(os, "os");
        Objects.requireNonNull(architecture, "architecture");
        variant = variant == null ? "" : variant;
    }

    /** The platform this JVM runs on, as linux plus the GOARCH name of {@code os.arch}. */
    public static Platform host() {
        String arch = normaliseArchitecture(System.getProperty("os.arch", ""));
        return new Platform("linux", arch, arch.equals("arm") ? "v7" : "");
    }

    /**
     * Parses {@code os/arch[/variant]}.
     *
     * @throws BerthException INVALID_ARGUMENT for anything else
     */
    public static Platform parse(String s) {
        String[] parts = s == null ? new String[0] : s.split("/", -1);
        if (parts.length < 2 || parts.length > 3 || parts[0].isEmpty() || parts[1].isEmpty()
                || parts.length == 3 && parts[2].isEmpty()) {
            throw BerthException.invalidArgument("invalid platform \"%s\": want os/architecture[/variant]", s);
        }
        return new Platform(parts[0].toLowerCase(Locale.ROOT), normaliseArchitecture(parts[1]),
                parts.length == 3 ? parts[2] : "");
    }

    /** Java's and uname's architecture names in GOARCH spelling (the one OCI uses). */
    static String normaliseArchitecture(String arch) {
        String a = arch.toLowerCase(Locale.ROOT);
        return switch (a) {
            case "x86_64", "x86-64", "amd64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            case "x86", "i386", "i486", "i586", "i686" -> "386";
            case "arm", "armhf", "armv7l", "armv7" -> "arm";
            case "ppc64le", "powerpc64le" -> "ppc64le";
            case "s390x" -> "s390x";
            case "riscv64" -> "riscv64";
            default -> a;
        };
    }

    /** The variant an architecture implies when none is given (arm64 is v8, amd64 v1), or the variant itself. */
    private static String normaliseVariant(String arch, String variant) {
        if (arch.equals("arm64") && variant.equals("v8") || arch.equals("amd64") && variant.equals("v1")) {
            return "";
        }
        return variant;
    }

    /**
     * Whether an image built for {@code candidate} runs here: same os and architecture, and the same variant when
     * this platform names one (an empty variant accepts any).
     */
    public boolean matches(Platform candidate) {
        if (candidate == null || !os.equalsIgnoreCase(candidate.os)) {
            return false;
        }
        String arch = normaliseArchitecture(architecture);
        if (!arch.equals(normaliseArchitecture(candidate.architecture))) {
            return false;
        }
        String want = normaliseVariant(arch, variant);
        return want.isEmpty() || want.equals(normaliseVariant(arch, candidate.variant));
    }

    /**
     * How well {@code candidate} fits, for choosing among several matches: -1 when it does not match, 2 for the
     * same variant, 1 for no variant, 0 for another variant.
     */
    public int score(Platform candidate) {
        if (!matches(candidate)) {
            return -1;
        }
        String arch = normaliseArchitecture(architecture);
        String mine = normaliseVariant(arch, variant);
        String theirs = normaliseVariant(arch, candidate.variant);
        if (mine.equals(theirs)) {
            return 2;
        }
        return theirs.isEmpty() ? 1 : 0;
    }

    /** {@code os/architecture[/variant]}. */
    @Override
    public String toString() {
        return os + "/" + architecture + (variant.isEmpty() ? "" : "/" + variant);
    }
}
