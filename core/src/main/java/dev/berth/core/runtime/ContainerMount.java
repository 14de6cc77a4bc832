package dev.berth.core.runtime;

import dev.berth.core.mount.Mount;
import java.util.List;

/**
 * A host path, or an image's root file system, bound into a container, as the CRI's {@code Mount}.
 *
 * @param hostPath          must exist; a symlink is resolved on the host, never inside the container's root; ""
 *                          for an image volume
 * @param recursiveReadOnly the mounts below hostPath are read-only in the container too, not only the bind itself;
 *                          needs {@code readOnly}, {@link Propagation#PRIVATE} and a runtime whose
 *                          {@link RuntimeFeatures#recursiveReadOnlyMounts()} holds, else the shim refuses the container
 * @param image             for an image volume (KEP-4639): the mounts that show a read-only view of the image's
 *                          root file system, which the shim mounts on a directory of its own and binds from (its
 *                          caller owns the view and removes it with the container); empty for a host path. An image
 *                          volume is always read-only and private.
 * @param imageSubPath      for an image volume, the relative path inside the image to bind instead of its root
 *                          (already checked to hold no {@code ..}); symlinks on the way are followed inside the image,
 *                          as the container would see them, so they never lead out of it; "" for the root
 */
public record ContainerMount(String containerPath, String hostPath, boolean readOnly, Propagation propagation,
                             boolean recursiveReadOnly, List<Mount> image, String imageSubPath) {
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
        image = image == null ? List.of() : List.copyOf(image);
        imageSubPath = imageSubPath == null ? "" : imageSubPath;
    }

    /** A host path bind. */
    public ContainerMount(String containerPath, String hostPath, boolean readOnly, Propagation propagation,
                          boolean recursiveReadOnly) {
        this(containerPath, hostPath, readOnly, propagation, recursiveReadOnly, List.of(), "");
    }

    /** A host path bind whose sub-mounts keep their own read-only or writable state. */
    public ContainerMount(String containerPath, String hostPath, boolean readOnly, Propagation propagation) {
        this(containerPath, hostPath, readOnly, propagation, false);
    }

    /** An image volume: {@code image}'s file system (at {@code subPath}) read-only and private at {@code containerPath}. */
    public static ContainerMount ofImage(String containerPath, List<Mount> image, String subPath, boolean recursiveReadOnly) {
        if (image == null || image.isEmpty()) {
            throw new IllegalArgumentException("an image volume needs the image's mounts");
        }
        return new ContainerMount(containerPath, "", true, Propagation.PRIVATE, recursiveReadOnly, image, subPath);
    }

    /** Whether this mount shows an image rather than a host path. */
    public boolean isImage() {
        return !image.isEmpty();
    }
}
