package dev.berth.shim.runc.spec;

import dev.berth.core.runtime.SecurityOptions;
import java.util.List;

/**
 * The /proc and /sys paths hidden or made read-only in a container, because they expose the host's kernel (keys,
 * timers, firmware, power capping) or let a root process in the container change it.
 */
final class ProtectedPaths {
    static final List<String> MASKED = List.of("/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
            "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
            "/sys/devices/virtual/powercap");
    static final List<String> READONLY = List.of("/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq",
            "/proc/sys", "/proc/sysrq-trigger");

    List<String> masked(SecurityOptions sec) {
        return sec.privileged() ? List.of() : sec.maskedPaths().isEmpty() ? MASKED : sec.maskedPaths();
    }

    List<String> readonly(SecurityOptions sec) {
        return sec.privileged() ? List.of() : sec.readonlyPaths().isEmpty() ? READONLY : sec.readonlyPaths();
    }
}
