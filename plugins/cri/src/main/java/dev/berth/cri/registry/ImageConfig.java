package dev.berth.cri.registry;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.berth.core.content.Digest;
import dev.berth.core.errdefs.BerthException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * What the runtime needs from an OCI image config ({@code application/vnd.oci.image.config.v1+json} or Docker's
 * equivalent). Absent fields are empty, never null.
 *
 * @param os           the os the image is built for
 * @param architecture its architecture
 * @param variant      its variant, or empty
 * @param user         {@code config.User}
 * @param env          {@code config.Env}, {@code NAME=value} entries
 * @param entrypoint   {@code config.Entrypoint}
 * @param cmd          {@code config.Cmd}
 * @param workingDir   {@code config.WorkingDir}
 * @param labels       {@code config.Labels}
 * @param stopSignal   {@code config.StopSignal}
 * @param exposedPorts keys of {@code config.ExposedPorts} (e.g. {@code 80/tcp}), sorted
 * @param volumes      keys of {@code config.Volumes}, sorted
 * @param diffIds      {@code rootfs.diff_ids}: digests of the uncompressed layers, base first
 * @param created      {@code created}, or empty
 */
public record ImageConfig(String os, String architecture, String variant, String user, List<String> env,
                          List<String> entrypoint, List<String> cmd, String workingDir, Map<String, String> labels,
                          String stopSignal, List<String> exposedPorts, List<String> volumes, List<Digest> diffIds,
                          String created) {
    public ImageConfig {
        env = List.copyOf(env);
        entrypoint = List.copyOf(entrypoint);
        cmd = List.copyOf(cmd);
        labels = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(labels));
        exposedPorts = List.copyOf(exposedPorts);
        volumes = List.copyOf(volumes);
        diffIds = List.copyOf(diffIds);
    }

    /** The process defaults a container (or infra container) from this image starts with. */
    public dev.berth.core.runtime.ImageProcess process() {
        return new dev.berth.core.runtime.ImageProcess(entrypoint, cmd, env, user, workingDir, stopSignal);
    }

    /**
     * Parses an image config.
     *
     * @throws BerthException INVALID_ARGUMENT when it is not JSON, or rootfs.diff_ids holds something that is not a
     *                        digest
     */
    public static ImageConfig parse(byte[] json) {
        String what = "image config";
        JsonObject o = ManifestJson.object(json, what);
        JsonObject c = obj(o, "config");
        if (c == null) {
            c = new JsonObject();
        }
        List<Digest> diffIds = new ArrayList<>();
        JsonObject rootfs = obj(o, "rootfs");
        if (rootfs != null) {
            List<String> ids = strings(rootfs, "diff_ids");
            for (int i = 0; i < ids.size(); i++) {
                try {
                    diffIds.add(Digest.parse(ids.get(i)));
                } catch (BerthException e) {
                    throw BerthException.invalidArgument("%s: rootfs.diff_ids[%d]: %s", what, i, e.getMessage());
                }
            }
        }
        Map<String, String> labels = new LinkedHashMap<>();
        JsonObject l = obj(c, "Labels");
        if (l != null) {
            for (Map.Entry<String, JsonElement> e : l.entrySet()) {
                labels.put(e.getKey(), e.getValue().isJsonPrimitive() ? e.getValue().getAsString() : "");
            }
        }
        return new ImageConfig(ManifestJson.string(o, "os"), ManifestJson.string(o, "architecture"),
                ManifestJson.string(o, "variant"), ManifestJson.string(c, "User"), strings(c, "Env"),
                strings(c, "Entrypoint"), strings(c, "Cmd"), ManifestJson.string(c, "WorkingDir"), labels,
                ManifestJson.string(c, "StopSignal"), keys(c, "ExposedPorts"), keys(c, "Volumes"), diffIds,
                ManifestJson.string(o, "created"));
    }

    /** The platform the config says the image is for. */
    public Platform platform() {
        return new Platform(os, architecture, variant);
    }

    private static JsonObject obj(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e != null && e.isJsonObject() ? e.getAsJsonObject() : null;
    }

    private static List<String> strings(JsonObject o, String key) {
        JsonElement e = o.get(key);
        List<String> out = new ArrayList<>();
        if (e == null || e.isJsonNull()) {
            return out;
        }
        if (e.isJsonPrimitive()) { // Docker accepted a bare string for Cmd/Entrypoint in old images
            out.add(e.getAsString());
            return out;
        }
        if (e.isJsonArray()) {
            JsonArray a = e.getAsJsonArray();
            for (JsonElement x : a) {
                if (x.isJsonPrimitive()) {
                    out.add(x.getAsString());
                }
            }
        }
        return out;
    }

    private static List<String> keys(JsonObject o, String key) {
        JsonObject m = obj(o, key);
        return m == null ? List.of() : new ArrayList<>(new TreeSet<>(m.keySet()));
    }
}
