package dev.berth.cri.containers;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.berth.api.cri.v1.ContainerConfig;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import java.util.Base64;

/**
 * What the CRI layer remembers of a container; the shim keeps its process state. The request's config is kept
 * whole (as protobuf bytes) so ContainerStatus can answer with its mounts, labels and metadata after a restart.
 *
 * @param runtime     id of the runtime shim plugin that runs it
 * @param imageRef    the image as the request named it
 * @param imageId     the image's id (config digest)
 * @param imageName   the image's first repo digest or tag, for ContainerStatus.image_ref
 * @param snapshotKey its writable layer in the snapshotter
 * @param logPath     absolute path of its CRI log file, or ""
 * @param createdAt   epoch nanoseconds
 * @param stopSignal  the signal StopContainer sends first ("" for SIGTERM)
 * @param config      base64 of the {@code ContainerConfig} protobuf
 * @param snapshotter id of the snapshotter plugin holding its writable layer and image volumes (its pod's runtime
 *                    handler's); "" in records written before handlers had their own, which used the default one
 */
public record ContainerRecord(String id, String sandboxId, String runtime, String imageRef, String imageId,
                              String imageName, String snapshotKey, String logPath, long createdAt, String stopSignal,
                              String config, String snapshotter) {
    public ContainerRecord {
        snapshotter = snapshotter == null ? "" : snapshotter;
    }

    static ContainerRecord of(String id, String sandboxId, String runtime, String imageId, String imageName,
                              String snapshotKey, String logPath, long createdAt, String stopSignal, ContainerConfig c) {
        return of(id, sandboxId, runtime, imageId, imageName, snapshotKey, logPath, createdAt, stopSignal, c, "");
    }

    static ContainerRecord of(String id, String sandboxId, String runtime, String imageId, String imageName,
                              String snapshotKey, String logPath, long createdAt, String stopSignal, ContainerConfig c,
                              String snapshotter) {
        return new ContainerRecord(id, sandboxId, runtime, c.getImage().getImage(), imageId, imageName, snapshotKey,
                logPath, createdAt, stopSignal, Base64.getEncoder().encodeToString(c.toByteArray()), snapshotter);
    }

    ContainerConfig containerConfig() {
        try {
            return ContainerConfig.parseFrom(Base64.getDecoder().decode(config));
        } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
            throw new BerthException(ErrorKind.INTERNAL, "container " + id + ": stored config is unreadable: " + e.getMessage(), e);
        }
    }
}
