package dev.berth.cli.streaming;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

/**
 * How a streamed exec or attach ended, from what the error channel carried at the end: a metav1.Status JSON for
 * protocols v4 and later ({@code "status":"Success"}, or a Failure whose details name the exit code), plain text
 * before v4 (a message on failure, nothing on success).
 *
 * @param code    the exit code berthctl passes on: the command's, or 1 for a failure that has none
 * @param message what to tell the user ("" on success and for a plain non-zero exit, which the command reported)
 */
public record ExitStatus(int code, String message) {
    public static final ExitStatus SUCCESS = new ExitStatus(0, "");

    /** Reads the error channel's content; empty content is success. */
    public static ExitStatus parse(String report) {
        String text = report.trim();
        if (text.isEmpty()) {
            return SUCCESS;
        }
        JsonObject status;
        try {
            JsonElement e = JsonParser.parseString(text);
            if (!e.isJsonObject()) {
                return new ExitStatus(1, text);
            }
            status = e.getAsJsonObject();
        } catch (JsonParseException e) {
            return new ExitStatus(1, text); // pre-v4 protocols: the message itself
        }
        if ("Success".equals(string(status, "status"))) {
            return SUCCESS;
        }
        String message = string(status, "message");
        if ("NonZeroExitCode".equals(string(status, "reason"))) {
            Integer code = exitCodeCause(status);
            if (code != null) {
                return new ExitStatus(code, "");
            }
        }
        return new ExitStatus(1, message.isEmpty() ? text : message);
    }

    private static Integer exitCodeCause(JsonObject status) {
        JsonElement details = status.get("details");
        if (details == null || !details.isJsonObject()) {
            return null;
        }
        JsonElement causes = details.getAsJsonObject().get("causes");
        if (causes == null || !causes.isJsonArray()) {
            return null;
        }
        for (JsonElement c : (JsonArray) causes) {
            if (c.isJsonObject() && "ExitCode".equals(string(c.getAsJsonObject(), "reason"))) {
                try {
                    return Integer.parseInt(string(c.getAsJsonObject(), "message").trim());
                } catch (NumberFormatException e) {
                    return null;
                }
            }
        }
        return null;
    }

    private static String string(JsonObject o, String field) {
        JsonElement v = o.get(field);
        return v != null && v.isJsonPrimitive() ? v.getAsString() : "";
    }
}
