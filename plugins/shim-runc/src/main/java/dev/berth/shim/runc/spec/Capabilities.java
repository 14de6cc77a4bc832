package dev.berth.shim.runc.spec;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.runtime.SecurityOptions;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Computes a container's capability sets from the default set and the security context's drop and add lists, with
 * names checked against the kernel's numbering so a typo fails the create instead of being ignored by runc.
 */
final class Capabilities {
    /** Capability names by number, as in linux/capability.h. */
    private static final List<String> BY_NUMBER = List.of(
            "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
            "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
            "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
            "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
            "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
            "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
            "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
            "CAP_CHECKPOINT_RESTORE");

    static final List<String> DEFAULTS = List.of(
            "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
            "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",
            "CAP_AUDIT_WRITE");

    private static final String ALL = "ALL";

    private final int lastCapability;

    Capabilities(int lastCapability) {
        this.lastCapability = lastCapability;
    }

    static int highestKnown() {
        return BY_NUMBER.size() - 1;
    }

    Oci.Capabilities compute(SecurityOptions sec) {
        List<String> set = sec.privileged() ? all() : effectiveSet(sec.capabilitiesAdd(), sec.capabilitiesDrop());
        return new Oci.Capabilities(set, set, List.of(), set, List.of());
    }

    private List<String> effectiveSet(List<String> add, List<String> drop) {
        Set<String> caps = new LinkedHashSet<>(DEFAULTS);
        if (drop.stream().anyMatch(ALL::equalsIgnoreCase)) {
            caps.clear();
        } else {
            for (String name : drop) {
                caps.remove(canonical(name, "capabilities.drop"));
            }
        }
        if (add.stream().anyMatch(ALL::equalsIgnoreCase)) {
            caps.addAll(all());
        } else {
            for (String name : add) {
                caps.add(canonical(name, "capabilities.add"));
            }
        }
        return List.copyOf(caps);
    }

    /** Every capability this kernel knows. */
    List<String> all() {
        return BY_NUMBER.subList(0, Math.min(lastCapability, highestKnown()) + 1);
    }

    private static String canonical(String name, String field) {
        String upper = name.trim().toUpperCase(Locale.ROOT);
        String full = upper.startsWith("CAP_") ? upper : "CAP_" + upper;
        if (!BY_NUMBER.contains(full)) {
            throw BerthException.invalidArgument("%s: unknown capability \"%s\"", field, name);
        }
        return full;
    }
}
