package dev.berth.shim.runc.spec;

import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.runtime.SecurityOptions;
import dev.berth.core.runtime.SecurityProfile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Chooses the seccomp filter of a container: ours, none, or a node-local profile file embedded as it is. */
final class SeccompProfiles {
    private final DefaultSeccomp defaultProfile = new DefaultSeccomp();

    /** The OCI {@code linux.seccomp} object, or null for no filter. */
    JsonObject forContainer(SecurityOptions sec) {
        if (sec.privileged()) {
            return null;
        }
        SecurityProfile profile = sec.seccomp();
        return switch (profile.kind()) {
            case UNCONFINED -> null;
            case RUNTIME_DEFAULT -> defaultProfile.profile();
            case LOCALHOST -> localhost(profile.localhostRef());
        };
    }

    private static JsonObject localhost(String ref) {
        if (ref.isEmpty() || !ref.startsWith("/")) {
            throw BerthException.invalidArgument(
                    "seccomp localhost profile \"%s\" must be an absolute path on the node", ref);
        }
        Path file = Path.of(ref);
        if (!Files.isRegularFile(file)) {
            throw BerthException.invalidArgument("seccomp localhost profile %s does not exist", ref);
        }
        try {
            return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
        } catch (IOException | JsonParseException | IllegalStateException e) {
            throw BerthException.invalidArgument("seccomp localhost profile %s is not a JSON object: %s", ref,
                    e.getMessage());
        }
    }
}
