package dev.berth.core.runtime;

/**
 * How a runtime shim places containers in cgroups. The kubelet must use the same driver as the runtime, or pods end
 * up in two cgroup trees that fight over the same resources; the CRI's {@code RuntimeConfig} reports it so a kubelet
 * can ask instead of being configured separately.
 */
public enum CgroupDriver {
    /** Cgroups are created through systemd (transient scopes in slices). */
    SYSTEMD,
    /** Cgroups are created by writing the cgroup filesystem directly. */
    CGROUPFS
}
