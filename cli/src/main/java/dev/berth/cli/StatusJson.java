package dev.berth.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.protobuf.Message;
import java.util.Map;

/**
 * {@code inspect}/{@code inspectp} output, shaped like crictl's: {@code {"status": …, "info": …}}, where each verbose
 * info value that holds JSON is embedded as JSON, not as a string of it.
 */
final class StatusJson {
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

    private StatusJson() {
    }

    static String write(Message status, Map<String, String> info) {
        JsonObject o = new JsonObject();
        o.add("status", JsonParser.parseString(ProtoJson.write(status)));
        if (info.size() == 1 && info.containsKey("info")) {
            o.add("info", embed(info.get("info")));
        } else if (!info.isEmpty()) {
            JsonObject i = new JsonObject();
            info.forEach((k, v) -> i.add(k, embed(v)));
            o.add("info", i);
        }
        return GSON.toJson(o) + "\n";
    }

    /** A response with an {@code info} map in the proto3 JSON mapping, each info value that holds JSON embedded. */
    static String embedInfo(Message response) {
        JsonObject o = JsonParser.parseString(ProtoJson.write(response)).getAsJsonObject();
        if (o.has("info")) {
            JsonObject embedded = new JsonObject();
            o.getAsJsonObject("info").entrySet().forEach(e -> embedded.add(e.getKey(), embed(e.getValue().getAsString())));
            o.add("info", embedded);
        }
        return GSON.toJson(o) + "\n";
    }

    private static JsonElement embed(String value) {
        try {
            JsonElement e = JsonParser.parseString(value);
            return e.isJsonObject() || e.isJsonArray() ? e : new JsonPrimitive(value);
        } catch (JsonParseException e) {
            return new JsonPrimitive(value);
        }
    }
}
