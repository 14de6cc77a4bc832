package dev.berth.cri.containers;

import dev.berth.api.cri.v1.ContainerConfig;
import dev.berth.core.runtime.ContainerStatus;

/** A container's record and parsed config together with its shim's status. */
record ContainerView(ContainerRecord record, ContainerConfig config, ContainerStatus status) {
}
