package dev.berth.shim.runc;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads runc's {@code --log-format=json} log: when conmon's create fails its own message is often just "exit
 * status 1", and the real reason (executable not found, bad mount) is runc's last error entry.
 */
final class RuntimeLog {
    private RuntimeLog() {
    }

    /** The message of the last error-level entry, or "" when there is none (or no log). */
    static String lastError(Path log) {
        List<String> lines;
        try {
            lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
        for (int i = lines.size() - 1; i >= 0; i--) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            try {
                JsonElement e = JsonParser.parseString(line);
                if (e.isJsonObject()) {
                    JsonObject o = e.getAsJsonObject();
                    String level = o.has("level") ? o.get("level").getAsString() : "";
                    if ((level.equals("error") || level.equals("fatal")) && o.has("msg")) {
                        return o.get("msg").getAsString().strip();
                    }
                }
            } catch (JsonParseException | IllegalStateException | UnsupportedOperationException e) {
                return line; // not JSON (crun writes text): the last line is the best we have
            }
        }
        return "";
    }
}
