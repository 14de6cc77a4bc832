package dev.berth.core.runtime;

/**
 * A host path bound into a container, as the CRI's {@code Mount}.
 *
 * @param hostPath must exist; a symlink is resolved on the host, never inside the container's root
 */
public record ContainerMount(String containerPath, String hostPath, boolean readOnly, Propagation propagation) {
    /** Mount propagation, as the CRI's {@code MountPropagation}. */
    public enum Propagation {
        /** No propagation ("rprivate"). */
        PRIVATE,
        /** Host mounts appear in the container ("rslave"). */
        HOST_TO_CONTAINER,
        /** Both ways ("rshared"). */
        BIDIRECTIONAL
    }

    public ContainerMount {
        propagation = propagation == null ? Propagation.PRIVATE : propagation;
    }
}
