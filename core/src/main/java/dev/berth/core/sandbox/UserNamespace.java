package dev.berth.core.sandbox;

import java.util.List;

/**
 * A pod's own user namespace (CRI {@code userns_options} with mode POD): its uid and gid mappings, each a range of ids
 * inside the namespace and where it starts on the host. The pod's network, IPC and UTS namespaces belong to it, every
 * container of the pod joins it, and their files are seen through idmapped mounts with the same mappings.
 */
public record UserNamespace(List<IdMapping> uids, List<IdMapping> gids) {
    /** The most lines a kernel takes in {@code /proc/<pid>/uid_map}. */
    public static final int MAX_MAPPINGS = 340;

    public UserNamespace {
        uids = uids == null ? List.of() : List.copyOf(uids);
        gids = gids == null ? List.of() : List.copyOf(gids);
    }

    /** The host uid that the namespace's root (uid 0) runs as, or -1 when uid 0 is not mapped. */
    public long hostRootUid() {
        return toHost(uids, 0);
    }

    /** The host gid of the namespace's gid 0, or -1 when it is not mapped. */
    public long hostRootGid() {
        return toHost(gids, 0);
    }

    /** {@code /proc/<pid>/uid_map} text for {@code mappings}: one "inside host length" line each. */
    public static String procMap(List<IdMapping> mappings) {
        StringBuilder b = new StringBuilder();
        for (IdMapping m : mappings) {
            b.append(m.containerId()).append(' ').append(m.hostId()).append(' ').append(m.length()).append('\n');
        }
        return b.toString();
    }

    private static long toHost(List<IdMapping> mappings, long id) {
        for (IdMapping m : mappings) {
            if (id >= m.containerId() && id < m.containerId() + m.length()) {
                return m.hostId() + (id - m.containerId());
            }
        }
        return -1;
    }

    /** {@code length} ids from {@code containerId} inside the namespace are {@code hostId}.. on the host. */
    public record IdMapping(long containerId, long hostId, long length) {
    }
}
