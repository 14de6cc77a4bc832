package dev.berth.core.sandbox;

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
}
