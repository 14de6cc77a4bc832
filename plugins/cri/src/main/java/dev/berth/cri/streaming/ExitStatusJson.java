package dev.berth.cri.streaming;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;

/**
 * What the error stream carries at the end of an exec or attach. Protocol v4 and later send a Kubernetes
 * metav1.Status as JSON, from which kubectl takes the exit code; older protocols send the status message as plain
 * text, and nothing on success.
 */
final class ExitStatusJson {
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    private ExitStatusJson() {
    }

    /** The metav1.Status JSON, fields in the order Go writes them. */
    static String json(CommandOutcome outcome) {
        JsonObject status = new JsonObject();
        status.add("metadata", new JsonObject());
        if (outcome instanceof CommandOutcome.NonZeroExit e) {
            status.addProperty("status", "Failure");
            status.addProperty("message", message(e));
            status.addProperty("reason", "NonZeroExitCode");
            status.add("details", causes(cause("ExitCode", Integer.toString(e.code()))));
        } else if (outcome instanceof CommandOutcome.Failure f) {
            status.addProperty("status", "Failure");
            status.addProperty("message", f.message());
            status.addProperty("reason", "InternalError");
            status.add("details", causes(cause(null, f.message())));
            status.addProperty("code", 500);
        } else {
            status.addProperty("status", "Success");
        }
        return GSON.toJson(status);
    }

    /** The plain-text report of protocols before v4: the status message, empty on success. */
    static String text(CommandOutcome outcome) {
        if (outcome instanceof CommandOutcome.NonZeroExit e) {
            return message(e);
        }
        if (outcome instanceof CommandOutcome.Failure f) {
            return f.message();
        }
        return "";
    }

    /** The report in the dialect of the negotiated protocol, as UTF-8; empty when there is nothing to send. */
    static byte[] encode(CommandOutcome outcome, boolean statusJson) {
        return (statusJson ? json(outcome) : text(outcome)).getBytes(StandardCharsets.UTF_8);
    }

    /** Writes the report on the client's {@code error} stream, unless it is empty. */
    static void send(CommandOutcome outcome, boolean statusJson, OutboundStream error) throws InterruptedException {
        byte[] report = encode(outcome, statusJson);
        if (report.length > 0) {
            error.write(Unpooled.wrappedBuffer(report));
        }
    }

    /** kubectl prints this; the command is shown the way the kubelet formats a Go string slice. */
    private static String message(CommandOutcome.NonZeroExit e) {
        return "command terminated with non-zero exit code: error executing command [" + String.join(" ", e.command()) + "]"
                + ", exit code " + e.code();
    }

    private static JsonObject cause(String reason, String message) {
        JsonObject c = new JsonObject();
        if (reason != null) {
            c.addProperty("reason", reason);
        }
        c.addProperty("message", message);
        return c;
    }

    private static JsonObject causes(JsonObject cause) {
        JsonArray list = new JsonArray();
        list.add(cause);
        JsonObject details = new JsonObject();
        details.add("causes", list);
        return details;
    }
}
