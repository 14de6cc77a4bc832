package dev.berth.shim.runc.spec;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.runtime.ContainerUser;
import java.util.ArrayList;
import java.util.List;

/**
 * The user a config.json tells the runtime to start the container's process as. Read back from the written text
 * rather than carried beside it, so the reported identity is exactly what the runtime applied (it sets the groups to
 * {@code additionalGids} and nothing else).
 */
public final class SpecUser {
    private SpecUser() {
    }

    /** {@code process.user} of {@code configJson}. */
    public static ContainerUser of(String configJson) {
        try {
            JsonObject user = JsonParser.parseString(configJson).getAsJsonObject()
                    .getAsJsonObject("process").getAsJsonObject("user");
            List<Long> groups = new ArrayList<>();
            JsonElement extra = user.get("additionalGids");
            if (extra != null && extra.isJsonArray()) {
                extra.getAsJsonArray().forEach(g -> groups.add(g.getAsLong()));
            }
            return new ContainerUser(user.get("uid").getAsLong(), user.get("gid").getAsLong(), groups);
        } catch (JsonParseException | IllegalStateException | NullPointerException | ClassCastException
                 | NumberFormatException e) {
            throw new BerthException(ErrorKind.INTERNAL, "config.json has no readable process.user: " + e, e);
        }
    }
}
