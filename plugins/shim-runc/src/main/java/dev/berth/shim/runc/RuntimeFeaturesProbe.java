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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks each OCI runtime binary once what it supports, through {@code <runtime> features} (runc 1.1 and later, crun):
 * a JSON document whose {@code mountOptions} lists the mount options the runtime understands. A runtime that lacks
 * the command, fails it, or prints something else supports nothing extra; guessing from version strings would lie
 * about forks.
 */
final class RuntimeFeaturesProbe {
    /** The mount option of a recursive read-only bind (mount_setattr with AT_RECURSIVE). */
    static final String RECURSIVE_READ_ONLY = "rro";
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final Logger LOG = LoggerFactory.getLogger(RuntimeFeaturesProbe.class);

    private final ProcessRunner runner;
    private final Map<Path, RuntimeFeatures> known = new ConcurrentHashMap<>();

    RuntimeFeaturesProbe(ProcessRunner runner) {
        this.runner = runner;
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
        LOG.info("{} supports: recursive read-only mounts {}", runtime, f.recursiveReadOnlyMounts());
        return f;
    }

    /** The features a {@code features} document states; NONE for anything that is not such a document. */
    static RuntimeFeatures parse(String json) {
        try {
            JsonElement root = JsonParser.parseString(json);
            if (!root.isJsonObject()) {
                return RuntimeFeatures.NONE;
            }
            JsonElement options = root.getAsJsonObject().get("mountOptions");
            boolean rro = false;
            if (options != null && options.isJsonArray()) {
                for (JsonElement o : (JsonArray) options) {
                    if (o.isJsonPrimitive() && RECURSIVE_READ_ONLY.equals(o.getAsString())) {
                        rro = true;
                    }
                }
            }
            return new RuntimeFeatures(rro, false); // Berth does not run pods in user namespaces yet
        } catch (JsonParseException | IllegalStateException e) {
            return RuntimeFeatures.NONE;
        }
    }
}
