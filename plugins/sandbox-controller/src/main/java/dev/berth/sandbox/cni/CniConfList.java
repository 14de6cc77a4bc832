package dev.berth.sandbox.cni;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.berth.core.errdefs.BerthException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A network configuration list: a name, a CNI version and plugins run in order. Kept with its JSON text so a
 * sandbox is torn down with exactly the configuration it was set up with, even if the file changed since.
 */
public record CniConfList(String name, String cniVersion, List<JsonObject> plugins, String json) {
    public CniConfList {
        plugins = List.copyOf(plugins);
    }

    /** Parses a {@code .conflist}, or a single-plugin {@code .conf} (treated as a list of one). */
    public static CniConfList parse(String json, String source) {
        JsonObject o;
        try {
            JsonElement e = JsonParser.parseString(json);
            if (!e.isJsonObject()) {
                throw BerthException.invalidArgument("CNI config %s: not a JSON object", source);
            }
            o = e.getAsJsonObject();
        } catch (JsonParseException e) {
            throw BerthException.invalidArgument("CNI config %s: %s", source, e.getMessage());
        }
        String name = string(o, "name");
        if (name.isEmpty()) {
            throw BerthException.invalidArgument("CNI config %s: no \"name\"", source);
        }
        String version = string(o, "cniVersion");
        if (version.isEmpty()) {
            throw BerthException.invalidArgument("CNI config %s: no \"cniVersion\"", source);
        }
        List<JsonObject> plugins = new ArrayList<>();
        if (o.has("plugins")) {
            if (!o.get("plugins").isJsonArray()) {
                throw BerthException.invalidArgument("CNI config %s: \"plugins\" is not a list", source);
            }
            JsonArray a = o.getAsJsonArray("plugins");
            for (int i = 0; i < a.size(); i++) {
                if (!a.get(i).isJsonObject() || string(a.get(i).getAsJsonObject(), "type").isEmpty()) {
                    throw BerthException.invalidArgument("CNI config %s: plugins[%d] has no \"type\"", source, i);
                }
                plugins.add(a.get(i).getAsJsonObject());
            }
        } else if (!string(o, "type").isEmpty()) {
            plugins.add(o);
        }
        if (plugins.isEmpty()) {
            throw BerthException.invalidArgument("CNI config %s: no plugins", source);
        }
        return new CniConfList(name, version, plugins, json);
    }

    /**
     * The first valid {@code .conflist}, {@code .conf} or {@code .json} in {@code dir} by file name, as libcni and
     * containerd choose; invalid files are skipped. Empty when there is none.
     */
    public static Optional<CniConfList> loadFirst(Path dir) {
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> {
                String n = p.getFileName().toString();
                return n.endsWith(".conflist") || n.endsWith(".conf") || n.endsWith(".json");
            }).filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            return Optional.empty();
        }
        for (Path f : files) {
            try {
                return Optional.of(parse(Files.readString(f, StandardCharsets.UTF_8), f.toString()));
            } catch (IOException | BerthException e) {
                // A broken file is skipped like libcni does; the next one may be fine.
            }
        }
        return Optional.empty();
    }

    static String string(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e != null && e.isJsonPrimitive() ? e.getAsString() : "";
    }
}
