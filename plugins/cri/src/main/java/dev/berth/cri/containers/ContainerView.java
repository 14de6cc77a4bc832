package dev.berth.cri.containers;

import dev.berth.core.runtime.ContainerStatus;

/** A container's record together with its shim's status now. */
record ContainerView(ContainerRecord record, ContainerStatus status) {
}
