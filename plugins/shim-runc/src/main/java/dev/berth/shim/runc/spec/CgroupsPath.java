package dev.berth.shim.runc.spec;

import dev.berth.core.errdefs.BerthException;

/**
 * Names a container's cgroup in the form runc's cgroup driver expects: a path under the parent for cgroupfs,
 * "slice:prefix:name" for systemd, which would otherwise reject or misplace it.
 */
final class CgroupsPath {
    private static final String PREFIX = "berth";

    private final boolean systemd;
    private final String defaultParent;

    CgroupsPath(boolean systemd, String defaultParent) {
        this.systemd = systemd;
        this.defaultParent = defaultParent == null ? "" : defaultParent;
    }

    String forContainer(String podParent, String containerId) {
        String parent = podParent.isEmpty() ? defaultParent : podParent;
        return systemd ? systemdPath(parent, containerId) : cgroupfsPath(parent, containerId);
    }

    private static String cgroupfsPath(String parent, String id) {
        String trimmed = parent.replaceAll("/+$", "");
        String rooted = trimmed.startsWith("/") ? trimmed : "/" + trimmed;
        return (rooted.equals("/") ? "" : rooted) + "/" + PREFIX + "-" + id;
    }

    private static String systemdPath(String parent, String id) {
        // the kubelet may hand a slice's full path; systemd wants its unit name
        String slice = parent.substring(parent.lastIndexOf('/') + 1);
        if (!slice.endsWith(".slice")) {
            throw BerthException.invalidArgument(
                    "cgroup parent \"%s\" is not a systemd slice (name.slice), which the systemd cgroup driver needs",
                    parent);
        }
        return slice + ":" + PREFIX + ":" + id;
    }
}
