package dev.berth.cli;

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
        return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(o) + "\n";
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
