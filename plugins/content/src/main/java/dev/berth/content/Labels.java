package dev.berth.content;

import dev.berth.core.errdefs.BerthException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Label validation, with containerd's limit: key and value together at most 4096 bytes. */
final class Labels {
    static final int MAX_SIZE = 4096;

    private Labels() {
    }

    /** Validates labels for an update, where an empty value means "remove". */
    static void validate(Map<String, String> labels) {
        if (labels == null) {
            throw BerthException.invalidArgument("labels must not be null");
        }
        labels.forEach((k, v) -> {
            if (k == null || k.isEmpty()) {
                throw BerthException.invalidArgument("label key must not be empty");
            }
            if (v == null) {
                throw BerthException.invalidArgument("label %s: value must not be null (use \"\" to remove it)", k);
            }
            int size = k.getBytes(StandardCharsets.UTF_8).length + v.getBytes(StandardCharsets.UTF_8).length;
            if (size > MAX_SIZE) {
                throw BerthException.invalidArgument("label %s: key and value are %d bytes, more than %d", k, size, MAX_SIZE);
            }
        });
    }

    /** Validated labels to store on a new object; empty values are dropped. */
    static Map<String, String> forCommit(Map<String, String> labels) {
        if (labels == null) {
            return Map.of();
        }
        validate(labels);
        Map<String, String> out = new LinkedHashMap<>();
        labels.forEach((k, v) -> {
            if (!v.isEmpty()) {
                out.put(k, v);
            }
        });
        return out;
    }
}
