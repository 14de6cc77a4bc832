package dev.berth.core.runtime;

import java.util.List;

/**
 * The identity a container's first process starts with, as its runtime was told to set it: what the CRI reports in
 * {@code ContainerStatus.user}, so the kubelet can see which groups a supplemental groups policy really gave it.
 *
 * @param uid                the process's uid
 * @param gid                its primary gid
 * @param supplementalGroups every group it belongs to, the primary one included, in the order the runtime got them
 */
public record ContainerUser(long uid, long gid, List<Long> supplementalGroups) {
    public ContainerUser {
        supplementalGroups = supplementalGroups == null ? List.of() : List.copyOf(supplementalGroups);
    }
}
