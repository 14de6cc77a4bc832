package dev.berth.shim.runc;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.runtime.StreamRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * The process file for a {@code runc exec --process} that starts with a known terminal size: the container's own
 * process (user, env, cwd, capabilities, ... exactly what a plain {@code runc exec} would inherit) with the exec's
 * arguments, a terminal and the OCI {@code consoleSize}. runc sizes the terminal before the command runs, which no
 * resize afterwards can guarantee.
 */
final class ExecProcessSpec {
    private ExecProcessSpec() {
    }

    /** Writes the file next to the bundle's config.json; the caller deletes it once runc has started or failed. */
    static Path write(ContainerDirs dirs, StreamRequest req) {
        JsonObject process;
        try {
            JsonObject config = JsonParser.parseString(Files.readString(dirs.configJson(), StandardCharsets.UTF_8))
                    .getAsJsonObject();
            process = config.getAsJsonObject("process").deepCopy();
        } catch (IOException | JsonParseException | IllegalStateException | NullPointerException e) {
            throw new BerthException(ErrorKind.INTERNAL, "container " + dirs.id() + ": cannot read its process from "
                    + dirs.configJson() + ": " + e.getMessage(), e);
        }
        JsonArray args = new JsonArray();
        req.command().forEach(args::add);
        process.add("args", args);
        process.addProperty("terminal", true);
        JsonObject size = new JsonObject();
        size.addProperty("height", req.height());
        size.addProperty("width", req.width());
        process.add("consoleSize", size);
        Path file = dirs.bundle().resolve("exec-" + UUID.randomUUID() + ".json");
        try {
            Files.writeString(file, process.toString(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new BerthException(ErrorKind.INTERNAL, "cannot write " + file + ": " + e.getMessage(), e);
        }
        return file;
    }
}
