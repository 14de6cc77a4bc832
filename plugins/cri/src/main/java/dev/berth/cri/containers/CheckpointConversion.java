package dev.berth.cri.containers;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.berth.api.cri.v1.CheckpointContainerRequest;
import dev.berth.core.errdefs.BerthException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * CRI {@code CheckpointContainerRequest} → what the shim's checkpoint needs: the archive path and time budget, checked
 * field by field, and the archive's {@value #CONFIG_DUMP}, the container's CRI-side description in the fields
 * {@code checkpointctl} and CRI-O/containerd restore read.
 */
final class CheckpointConversion {
    static final String CONFIG_DUMP = "config.dump";
    /** The CRI leaves a zero timeout to the runtime. */
    static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);

    private CheckpointConversion() {
    }

    /**
     * The archive to write: an absolute path in an existing directory, not itself a directory.
     *
     * @throws BerthException INVALID_ARGUMENT naming {@code location}
     */
    static Path location(CheckpointContainerRequest q) {
        String loc = q.getLocation();
        if (loc.isEmpty()) {
            throw BerthException.invalidArgument("location is required: the path of the checkpoint archive to write");
        }
        Path p;
        try {
            p = Path.of(loc);
        } catch (InvalidPathException e) {
            throw BerthException.invalidArgument("location \"%s\" is not a valid path: %s", loc, e.getReason());
        }
        if (!p.isAbsolute()) {
            throw BerthException.invalidArgument("location \"%s\" must be an absolute path", loc);
        }
        p = p.normalize();
        Path dir = p.getParent();
        if (dir == null || p.getFileName() == null) {
            throw BerthException.invalidArgument("location \"%s\" must name a file, not the root directory", loc);
        }
        if (!Files.isDirectory(dir)) {
            throw BerthException.invalidArgument("location \"%s\": directory %s does not exist", loc, dir);
        }
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            throw BerthException.invalidArgument("location \"%s\" is a directory; it must name the archive file to write",
                    loc);
        }
        return p;
    }

    /**
     * The time the whole checkpoint may take: {@code timeout} seconds, or {@link #DEFAULT_TIMEOUT} for 0.
     *
     * @throws BerthException INVALID_ARGUMENT for a negative timeout
     */
    static Duration timeout(CheckpointContainerRequest q) {
        if (q.getTimeout() < 0) {
            throw BerthException.invalidArgument("timeout must not be negative, got %d", q.getTimeout());
        }
        return q.getTimeout() == 0 ? DEFAULT_TIMEOUT : Duration.ofSeconds(q.getTimeout());
    }

    /** The archive's {@value #CONFIG_DUMP}; {@code runtime} names the OCI runtime that ran the container. */
    static byte[] configDump(ContainerRecord r, String runtime, Instant checkpointedAt) {
        JsonObject o = new JsonObject();
        o.addProperty("id", r.id());
        o.addProperty("name", r.containerConfig().getMetadata().getName());
        o.addProperty("rootfsImage", r.imageId());
        o.addProperty("rootfsImageRef", r.imageName());
        o.addProperty("rootfsImageName", r.imageRef());
        o.addProperty("runtime", runtime);
        o.addProperty("createdTime", Instant.EPOCH.plusNanos(r.createdAt()).toString());
        o.addProperty("checkpointedTime", checkpointedAt.toString());
        return new GsonBuilder().disableHtmlEscaping().setPrettyPrinting().create().toJson(o)
                .getBytes(StandardCharsets.UTF_8);
    }
}
