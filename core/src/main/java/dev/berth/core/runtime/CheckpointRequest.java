package dev.berth.core.runtime;

import dev.berth.core.mount.Mount;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@link RuntimeShim#checkpoint} needs to write a container's checkpoint archive, in the layout kubelet's
 * forensic checkpointing and {@code checkpointctl} read: the shim adds the process images ({@code checkpoint/}), the
 * OCI spec ({@code spec.dump}) and the writable layer's changes ({@code rootfs-diff.tar}, {@code deleted.files});
 * the caller adds what only it knows, such as {@code config.dump}.
 *
 * @param archive    absolute path of the tar file to write; its directory exists. Replaced whole once the archive
 *                   is complete, never left half-written
 * @param timeout    how long the whole checkpoint may take; positive
 * @param rootfs     the mounts that make the container's root filesystem (as {@link ContainerSpec#rootfs()}): the
 *                   shim finds the writable layer and the layers below it in them
 * @param extraFiles files to put at the archive's top level, by name
 */
public record CheckpointRequest(Path archive, Duration timeout, List<Mount> rootfs, Map<String, byte[]> extraFiles) {
    public CheckpointRequest {
        if (archive == null || !archive.isAbsolute()) {
            throw new IllegalArgumentException("archive must be an absolute path: " + archive);
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
        rootfs = List.copyOf(rootfs);
        extraFiles = Collections.unmodifiableMap(new LinkedHashMap<>(extraFiles));
    }
}
