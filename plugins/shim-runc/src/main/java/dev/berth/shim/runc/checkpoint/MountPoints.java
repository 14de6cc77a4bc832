package dev.berth.shim.runc.checkpoint;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * Where the container has mounts, relative to its root ({@code etc/hosts}, {@code proc}, {@code dev/shm}): the
 * runtime leaves empty placeholders for them in the writable layer, and whatever else is there the mount hides, so
 * they are not changes the container made. Podman leaves them out of its rootfs diff for the same reason.
 */
public final class MountPoints {
    private MountPoints() {
    }

    /** The mount destinations of the OCI config at {@code configJson}. */
    public static Set<String> of(Path configJson) throws IOException {
        Set<String> out = new HashSet<>();
        try {
            JsonObject spec = JsonParser.parseString(Files.readString(configJson, StandardCharsets.UTF_8))
                    .getAsJsonObject();
            if (spec.has("mounts")) {
                for (JsonElement m : spec.getAsJsonArray("mounts")) {
                    String dest = Path.of("/").resolve(m.getAsJsonObject().get("destination").getAsString())
                            .normalize().toString().substring(1);
                    if (!dest.isEmpty()) {
                        out.add(dest);
                    }
                }
            }
        } catch (JsonParseException | IllegalStateException | NullPointerException | UnsupportedOperationException e) {
            throw new IOException("unreadable OCI config " + configJson + ": " + e.getMessage(), e);
        }
        return out;
    }
}
