package dev.berth.cri.containers;

import dev.berth.core.runtime.ContainerStatus;

/** A container's index entry together with its shim's status. */
record ContainerView(ContainerIndex.Entry entry, ContainerStatus status) {
    ContainerRecord record() {
        return entry.record();
    }

    dev.berth.api.cri.v1.ContainerConfig config() {
        return entry.config();
    }

    /** Its ListContainers item. */
    dev.berth.api.cri.v1.Container listed() {
        return entry.listed().in(ContainerStatusConversion.state(status.state()));
    }
}
