package dev.berth.core.content;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Which blobs {@link ContentStore#walk} reports. Every condition must hold; an empty filter matches everything.
 *
 * <pre>{@code
 * store.walk(Filter.label(ContentLabels.GC_ROOT, "true"), info -> ...);
 * store.walk(Filter.digestPrefix("sha256:ab").and(Filter.hasLabel("berth.io/distribution.source")), info -> ...);
 * }</pre>
 *
 * @param labels       labels that must be present with exactly these values
 * @param labelKeys    label keys that must be present, with any value
 * @param digestPrefix a prefix of {@link Digest#toString()} (e.g. {@code sha256:ab}); empty for any digest
 */
public record Filter(Map<String, String> labels, Set<String> labelKeys, String digestPrefix) {
    private static final Filter ALL = new Filter(Map.of(), Set.of(), "");

    public Filter {
        labels = Map.copyOf(labels);
        labelKeys = Set.copyOf(labelKeys);
        Objects.requireNonNull(digestPrefix, "digestPrefix");
    }

    /** Matches every blob. */
    public static Filter all() {
        return ALL;
    }

    /** Blobs with label {@code key} set to {@code value}. */
    public static Filter label(String key, String value) {
        return new Filter(Map.of(key, value), Set.of(), "");
    }

    /** Blobs that have label {@code key}, whatever its value. */
    public static Filter hasLabel(String key) {
        return new Filter(Map.of(), Set.of(key), "");
    }

    /** Blobs whose {@code <algorithm>:<hex>} starts with {@code prefix}. */
    public static Filter digestPrefix(String prefix) {
        return new Filter(Map.of(), Set.of(), prefix);
    }

    /**
     * A filter matching what both this and {@code other} match.
     *
     * @throws IllegalArgumentException when the two require different values of one label, or digest prefixes
     *                                  neither of which extends the other (such a filter could match nothing)
     */
    public Filter and(Filter other) {
        Map<String, String> l = new HashMap<>(labels);
        other.labels.forEach((k, v) -> {
            String mine = l.putIfAbsent(k, v);
            if (mine != null && !mine.equals(v)) {
                throw new IllegalArgumentException("filter wants label " + k + " to be both " + mine + " and " + v);
            }
        });
        Set<String> keys = new HashSet<>(labelKeys);
        keys.addAll(other.labelKeys);
        String prefix;
        if (digestPrefix.startsWith(other.digestPrefix)) {
            prefix = digestPrefix;
        } else if (other.digestPrefix.startsWith(digestPrefix)) {
            prefix = other.digestPrefix;
        } else {
            throw new IllegalArgumentException("filter wants digest prefixes " + digestPrefix + " and " + other.digestPrefix);
        }
        return new Filter(l, keys, prefix);
    }

    /** Whether {@code info} satisfies every condition. */
    public boolean matches(Info info) {
        if (!info.digest().toString().startsWith(digestPrefix)) {
            return false;
        }
        for (String key : labelKeys) {
            if (!info.labels().containsKey(key)) {
                return false;
            }
        }
        for (Map.Entry<String, String> e : labels.entrySet()) {
            if (!e.getValue().equals(info.labels().get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }
}
