package dev.berth.cri.registry;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.berth.core.content.Digest;
import dev.berth.core.errdefs.BerthException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Reads manifests and indexes (OCI and Docker schema2), strictly enough that a bad one names what is wrong. */
public final class ManifestJson {
    private ManifestJson() {
    }

    /** An index or manifest list: its media type and the manifests it lists. */
    record Index(String mediaType, List<Descriptor> manifests) {
        Index {
            manifests = List.copyOf(manifests);
        }
    }

    /** An image manifest: its media type, config and layers (base layer first). */
    record Manifest(String mediaType, Descriptor config, List<Descriptor> layers) {
        Manifest {
            layers = List.copyOf(layers);
        }
    }

    /**
     * The media type of a manifest document: its {@code mediaType} field, else the response's Content-Type, else
     * guessed from its shape ({@code manifests} → OCI index, {@code config} → OCI manifest).
     */
    static String mediaType(byte[] json, String contentType, String what) {
        JsonObject o = object(json, what);
        String field = string(o, "mediaType");
        if (!field.isEmpty()) {
            return field;
        }
        String ct = MediaTypes.strip(contentType);
        if (MediaTypes.isIndex(ct) || MediaTypes.isManifest(ct) || MediaTypes.isSchema1(ct)) {
            return ct;
        }
        if (o.has("manifests")) {
            return MediaTypes.OCI_INDEX;
        }
        if (o.has("config")) {
            return MediaTypes.OCI_MANIFEST;
        }
        if (o.has("fsLayers")) {
            return MediaTypes.DOCKER_SCHEMA1;
        }
        throw BerthException.invalidArgument("%s: not an image manifest or index (no mediaType, manifests or config)", what);
    }

    static Index index(byte[] json, String mediaType, String what) {
        JsonObject o = object(json, what);
        JsonArray arr = array(o, "manifests", what);
        List<Descriptor> out = new ArrayList<>();
        for (int i = 0; i < arr.size(); i++) {
            out.add(descriptor(arr.get(i), what + " manifests[" + i + "]", true));
        }
        return new Index(mediaType, out);
    }

    static Manifest manifest(byte[] json, String mediaType, String what) {
        JsonObject o = object(json, what);
        if (!o.has("config")) {
            throw BerthException.invalidArgument("%s: manifest has no config", what);
        }
        Descriptor config = descriptor(o.get("config"), what + " config", false);
        JsonArray arr = array(o, "layers", what);
        List<Descriptor> layers = new ArrayList<>();
        for (int i = 0; i < arr.size(); i++) {
            layers.add(descriptor(arr.get(i), what + " layers[" + i + "]", false));
        }
        return new Manifest(mediaType, config, layers);
    }

    /** The layers (base first) of a stored image manifest, for unpacking an image again from the content store. */
    public static List<Descriptor> layers(byte[] json, String what) {
        return manifest(json, "", what).layers();
    }

    private static Descriptor descriptor(JsonElement e, String what, boolean withPlatform) {
        if (e == null || !e.isJsonObject()) {
            throw BerthException.invalidArgument("%s: expected a descriptor object", what);
        }
        JsonObject o = e.getAsJsonObject();
        String mediaType = string(o, "mediaType");
        String digest = string(o, "digest");
        if (digest.isEmpty()) {
            throw BerthException.invalidArgument("%s: descriptor has no digest", what);
        }
        Digest d;
        try {
            d = Digest.parse(digest);
        } catch (BerthException ex) {
            throw BerthException.invalidArgument("%s: %s", what, ex.getMessage());
        }
        long size;
        try {
            size = o.has("size") ? o.get("size").getAsLong() : -1;
        } catch (RuntimeException ex) {
            throw BerthException.invalidArgument("%s: size is not a number", what);
        }
        if (size < 0) {
            throw BerthException.invalidArgument("%s: descriptor of %s has no valid size", what, d);
        }
        Platform platform = null;
        if (withPlatform && o.has("platform") && o.get("platform").isJsonObject()) {
            JsonObject p = o.getAsJsonObject("platform");
            String os = string(p, "os");
            String arch = string(p, "architecture");
            if (!os.isEmpty() && !arch.isEmpty()) {
                platform = new Platform(os, arch, string(p, "variant"));
            }
        }
        return new Descriptor(mediaType, d, size, platform);
    }

    static JsonObject object(byte[] json, String what) {
        try {
            JsonElement e = JsonParser.parseString(new String(json, StandardCharsets.UTF_8));
            if (!e.isJsonObject()) {
                throw BerthException.invalidArgument("%s: expected a JSON object", what);
            }
            return e.getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw BerthException.invalidArgument("%s: not valid JSON: %s", what, e.getMessage());
        }
    }

    private static JsonArray array(JsonObject o, String key, String what) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return new JsonArray();
        }
        if (!e.isJsonArray()) {
            throw BerthException.invalidArgument("%s: %s is not an array", what, key);
        }
        return e.getAsJsonArray();
    }

    static String string(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() || !e.isJsonPrimitive() ? "" : e.getAsString();
    }
}
