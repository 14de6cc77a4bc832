package dev.berth.cri.containers;

import dev.berth.api.cri.v1.Container;
import dev.berth.api.cri.v1.ContainerConfig;
import dev.berth.api.cri.v1.ContainerState;

/**
 * A container's ListContainers item, built once. All of it but the state is fixed at create (ids, metadata, image,
 * labels, annotations, created_at), and the kubelet relists every second: building hundreds of these messages per call,
 * copying their label and annotation maps, cost more than the list itself. The item is rebuilt only when the state it
 * is asked for changes (created, running, exited: a few times in a container's life), and a reused message also keeps
 * its computed serialized size.
 */
final class ListedContainer {
    /** The latest item built; two lists racing on a state change both build one, and either is right. */
    private volatile Container item;

    ListedContainer(ContainerRecord r, ContainerConfig c) {
        this.item = ContainerStatusConversion.toContainer(r, c, ContainerState.CONTAINER_CREATED);
    }

    /** The item in {@code state}. */
    Container in(ContainerState state) {
        Container c = item;
        if (c.getState() != state) {
            c = c.toBuilder().setState(state).build();
            item = c;
        }
        return c;
    }
}
