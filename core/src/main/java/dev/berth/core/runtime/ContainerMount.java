package dev.berth.core.runtime;

/**
 * A host path bound into a container, as the CRI's {@code Mount}.
 *
 * @param hostPath          must exist; a symlink is resolved on the host, never inside the container's root
 * @param recursiveReadOnly the mounts below hostPath are read-only in the container too, not only the bind itself;
 *                          needs {@code readOnly}, {@link Propagation#PRIVATE} and a runtime whose
 *                          {@link RuntimeFeatures#recursiveReadOnlyMounts()} holds, else the shim refuses the container
 */
public record ContainerMount(String containerPath, String hostPath, boolean readOnly, Propagation propagation,
                             boolean recursiveReadOnly) {
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

    /** A mount whose sub-mounts keep their own read-only or writable state. */
    public ContainerMount(String containerPath, String hostPath, boolean readOnly, Propagation propagation) {
        this(containerPath, hostPath, readOnly, propagation, false);
    }
}
