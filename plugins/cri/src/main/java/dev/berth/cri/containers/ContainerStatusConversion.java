package dev.berth.cri.containers;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.protobuf.ByteString;
import com.google.protobuf.TextFormat;
import dev.berth.api.cri.v1.Container;
import dev.berth.api.cri.v1.ContainerConfig;
import dev.berth.api.cri.v1.ContainerMetadata;
import dev.berth.api.cri.v1.ContainerResources;
import dev.berth.api.cri.v1.ContainerState;
import dev.berth.api.cri.v1.ContainerStatus;
import dev.berth.api.cri.v1.ContainerUser;
import dev.berth.api.cri.v1.ImageSpec;
import dev.berth.api.cri.v1.LinuxContainerUser;
import dev.berth.api.cri.v1.Signal;
import java.time.Instant;

/** Record + shim status → the CRI's {@code Container} and {@code ContainerStatus}. */
final class ContainerStatusConversion {
    private ContainerStatusConversion() {
    }

    static ContainerState state(dev.berth.core.runtime.ContainerState s) {
        return switch (s) {
            case CREATED -> ContainerState.CONTAINER_CREATED;
            case RUNNING -> ContainerState.CONTAINER_RUNNING;
            case EXITED -> ContainerState.CONTAINER_EXITED;
            case UNKNOWN -> ContainerState.CONTAINER_UNKNOWN;
        };
    }

    /**
     * The ListContainers item. Its strings are set as UTF-8 bytes: an item is kept and sent on every relist
     * ({@link ListedContainer}), and protobuf encodes a String field to UTF-8 twice per send (size, then write), which
     * was most of a 500-container list's time; bytes are copied as they are.
     */
    static Container toContainer(ContainerRecord r, ContainerConfig c, ContainerState state) {
        return Container.newBuilder()
                .setIdBytes(utf8(r.id()))
                .setPodSandboxIdBytes(utf8(r.sandboxId()))
                .setMetadata(c.getMetadata().toBuilder().setNameBytes(c.getMetadata().getNameBytes()))
                .setImage(image(r))
                .setImageRefBytes(utf8(r.imageName()))
                .setImageIdBytes(utf8(r.imageId()))
                .setState(state)
                .setCreatedAt(r.createdAt())
                .putAllLabels(c.getLabelsMap())
                .putAllAnnotations(c.getAnnotationsMap())
                .build();
    }

    private static ByteString utf8(String s) {
        return ByteString.copyFromUtf8(s);
    }

    static ContainerStatus toStatus(ContainerRecord r, dev.berth.core.runtime.ContainerStatus s) {
        ContainerConfig c = r.containerConfig();
        ContainerStatus.Builder b = ContainerStatus.newBuilder()
                .setId(r.id())
                .setMetadata(metadata(c))
                .setState(state(s.state()))
                .setCreatedAt(r.createdAt())
                .setStartedAt(nanos(s.startedAt()))
                .setFinishedAt(nanos(s.finishedAt()))
                .setExitCode(s.state() == dev.berth.core.runtime.ContainerState.EXITED ? s.exitCode() : 0)
                .setImage(image(r))
                .setImageRef(r.imageName())
                .setImageId(r.imageId())
                .setReason(s.reason())
                .setMessage(s.message())
                .putAllLabels(c.getLabelsMap())
                .putAllAnnotations(c.getAnnotationsMap())
                .addAllMounts(c.getMountsList().stream().map(ImageVolumes::reported).toList())
                .setLogPath(r.logPath())
                .setResources(ContainerResources.newBuilder().setLinux(c.getLinux().getResources()));
        if (s.user() != null) {
            b.setUser(user(s.user()));
        }
        if (!r.stopSignal().isEmpty()) {
            try {
                b.setStopSignal(Signal.valueOf("SIGNAL_" + (r.stopSignal().startsWith("SIG") ? "" : "SIG") + r.stopSignal()));
            } catch (IllegalArgumentException numericOrUnknown) {
                // The CRI's enum has names only; a numeric image StopSignal is still honoured by StopContainer.
            }
        }
        return b.build();
    }

    static ContainerUser user(dev.berth.core.runtime.ContainerUser u) {
        return ContainerUser.newBuilder().setLinux(LinuxContainerUser.newBuilder().setUid(u.uid()).setGid(u.gid())
                .addAllSupplementalGroups(u.supplementalGroups())).build();
    }

    /** The verbose {@code info["info"]} JSON: where the container's parts are, and the config it was made from. */
    static String verboseInfo(ContainerRecord r, dev.berth.core.runtime.ContainerStatus s) {
        JsonObject o = new JsonObject();
        o.addProperty("sandboxID", r.sandboxId());
        o.addProperty("pid", s.pid());
        o.addProperty("runtime", r.runtime());
        o.addProperty("snapshotKey", r.snapshotKey());
        o.addProperty("snapshotter", r.snapshotter());
        o.addProperty("imageRef", r.imageRef());
        o.addProperty("config", TextFormat.printer().printToString(r.containerConfig()));
        return new GsonBuilder().disableHtmlEscaping().setPrettyPrinting().create().toJson(o);
    }

    static ContainerMetadata metadata(ContainerConfig c) {
        return c.getMetadata();
    }

    private static ImageSpec image(ContainerRecord r) {
        return ImageSpec.newBuilder().setImageBytes(utf8(r.imageId())).setUserSpecifiedImageBytes(utf8(r.imageRef())).build();
    }

    static long nanos(Instant t) {
        return t == null ? 0 : t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }
}
