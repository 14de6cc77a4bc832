package dev.berth.shim.runc.spec;

/**
 * Host facts and settings the OCI spec depends on, fixed when the shim starts.
 *
 * @param systemdCgroup     cgroups are managed by systemd ({@code cgroupsPath} = "slice:prefix:name")
 * @param cgroupV2          the host runs the unified hierarchy only
 * @param minOomScoreAdj    the lowest {@code oom_score_adj} the host lets us set (the daemon's own when it lacks
 *                          CAP_SYS_RESOURCE, else -1000); requested values below it are raised to it
 * @param defaultCgroupParent the cgroup parent of containers whose pod names none
 */
public record SpecDefaults(boolean systemdCgroup, boolean cgroupV2, int minOomScoreAdj, String defaultCgroupParent) {
}
