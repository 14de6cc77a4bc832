package dev.berth.core.sandbox;

import dev.berth.core.errdefs.BerthException;

/**
 * Namespace sharing of a pod. Nulls become the CRI defaults: POD network and IPC, CONTAINER pid.
 *
 * @param targetId the container whose pid namespace is joined when {@code pid} is {@link NamespaceMode#TARGET}; else ""
 * @param userns   the pod's own user namespace, or null for the host's (CRI mode NODE)
 */
public record NamespaceOptions(NamespaceMode network, NamespaceMode pid, NamespaceMode ipc, String targetId,
                               UserNamespace userns) {
    public NamespaceOptions(NamespaceMode network, NamespaceMode pid, NamespaceMode ipc, String targetId) {
        this(network, pid, ipc, targetId, null);
    }

    public NamespaceOptions {
        network = network == null ? NamespaceMode.POD : network;
        pid = pid == null ? NamespaceMode.CONTAINER : pid;
        ipc = ipc == null ? NamespaceMode.POD : ipc;
        targetId = targetId == null ? "" : targetId;
    }

    /** The CRI defaults: pod network and IPC, per-container pid. */
    public static NamespaceOptions defaults() {
        return new NamespaceOptions(null, null, null, null);
    }

    public boolean hostNetwork() {
        return network == NamespaceMode.NODE;
    }

    public boolean hostIpc() {
        return ipc == NamespaceMode.NODE;
    }

    /**
     * Refuses a pod user namespace that cannot work: it owns the pod's network, IPC and pid namespaces, so none of
     * them can be the host's; and without uid 0 and gid 0 mapped it has no root to own the pod's files.
     *
     * @param field the request field the error names
     * @throws BerthException INVALID_ARGUMENT
     */
    public void checkUserNamespace(String field) {
        if (userns == null) {
            return;
        }
        if (hostNetwork() || hostIpc() || pid == NamespaceMode.NODE) {
            throw BerthException.invalidArgument("%s: a pod with its own user namespace (userns_options.mode POD) "
                    + "cannot use the host's network, IPC or pid namespace", field);
        }
        if (userns.hostRootUid() < 0 || userns.hostRootGid() < 0) {
            throw BerthException.invalidArgument("%s.userns_options: the uid and gid mappings must both map id 0 (the "
                    + "pod's root)", field);
        }
    }
}
