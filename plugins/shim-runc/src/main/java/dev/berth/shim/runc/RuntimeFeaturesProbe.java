package dev.berth.shim.runc;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.process.ProcessRunner;
import dev.berth.core.runtime.RuntimeFeatures;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks each OCI runtime binary once what it supports, through {@code <runtime> features} (runc 1.1 and later, crun):
 * a JSON document whose {@code mountOptions} lists the mount options the runtime understands and whose
 * {@code linux.namespaces} the namespaces it can make or join. A runtime that lacks the command, fails it, or prints
 * something else supports nothing extra; guessing from version strings would lie about forks. User namespaces also
 * need idmapped mounts from the kernel, which the shim makes itself (see {@link IdmappedMounts}).
 */
final class RuntimeFeaturesProbe {
    /** The mount option of a recursive read-only bind (mount_setattr with AT_RECURSIVE). */
    static final String RECURSIVE_READ_ONLY = "rro";
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final Logger LOG = LoggerFactory.getLogger(RuntimeFeaturesProbe.class);

    private final ProcessRunner runner;
    private final BooleanSupplier idmappedMounts;
    private final Map<Path, RuntimeFeatures> known = new ConcurrentHashMap<>();

    RuntimeFeaturesProbe(ProcessRunner runner, BooleanSupplier idmappedMounts) {
        this.runner = runner;
        this.idmappedMounts = idmappedMounts;
    }

    /** What {@code runtime} supports; runs it only the first time it is asked about. */
    RuntimeFeatures of(Path runtime) {
        return known.computeIfAbsent(runtime, this::probe);
    }

    private RuntimeFeatures probe(Path runtime) {
        ProcessRunner.Result r;
        try {
            r = runner.run(List.of(runtime.toString(), "features"), Map.of(), null, TIMEOUT);
        } catch (BerthException e) {
            LOG.warn("cannot ask {} for its features ({}); assuming none beyond the basics", runtime, e.getMessage());
            return RuntimeFeatures.NONE;
        }
        if (!r.ok()) {
            LOG.info("{} features failed (exit {}: {}); assuming no features beyond the basics", runtime,
                    r.exitCode(), r.message());
            return RuntimeFeatures.NONE;
        }
        RuntimeFeatures f = parse(r.stdout());
        if (f.userNamespaces() && !idmappedMounts.getAsBoolean()) {
            f = new RuntimeFeatures(f.recursiveReadOnlyMounts(), false);
        }
        LOG.info("{} supports: recursive read-only mounts {}, user namespaces {}", runtime, f.recursiveReadOnlyMounts(),
                f.userNamespaces());
        return f;
    }

    /** Whether {@code object.key} is an array holding the string {@code value}. */
    private static boolean listed(JsonElement object, String key, String value) {
        if (object == null || !object.isJsonObject()) {
            return false;
        }
        JsonElement list = object.getAsJsonObject().get(key);
        if (list == null || !list.isJsonArray()) {
            return false;
        }
        for (JsonElement e : (JsonArray) list) {
            if (e.isJsonPrimitive() && value.equals(e.getAsString())) {
                return true;
            }
        }
        return false;
    }

    /** The features a {@code features} document states; NONE for anything that is not such a document. */
    static RuntimeFeatures parse(String json) {
        try {
            JsonElement root = JsonParser.parseString(json);
            if (!root.isJsonObject()) {
                return RuntimeFeatures.NONE;
            }
            boolean rro = listed(root, "mountOptions", RECURSIVE_READ_ONLY);
            return new RuntimeFeatures(rro, listed(root.getAsJsonObject().get("linux"), "namespaces", "user"));
        } catch (JsonParseException | IllegalStateException e) {
            return RuntimeFeatures.NONE;
        }
    }
}
