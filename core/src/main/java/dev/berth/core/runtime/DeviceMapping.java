package dev.berth.core.runtime;

/**
 * A host device made available in a container, as the CRI's {@code Device}.
 *
 * @param permissions cgroup device permissions: a combination of "r", "w", "m"
 */
public record DeviceMapping(String containerPath, String hostPath, String permissions) {
}
