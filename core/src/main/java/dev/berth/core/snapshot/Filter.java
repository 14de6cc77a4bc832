package dev.berth.core.snapshot;

import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Which snapshots {@link Snapshotter#walk} reports. Every condition must hold; an empty filter matches everything.
 * Any {@code Predicate<Info>} works with {@code walk}; this record is the common, inspectable case.
 *
 * <pre>{@code
 * snapshotter.walk(Filter.kind(Kind.COMMITTED).and(Filter.hasLabel(SnapshotLabels.GC_ROOT)), info -> ...);
 * }</pre>
 *
 * @param kinds     the kinds to report; empty for any kind
 * @param labels    labels that must be present with exactly these values
 * @param labelKeys label keys that must be present, with any value
 */
public record Filter(Set<Kind> kinds, Map<String, String> labels, Set<String> labelKeys) implements Predicate<Info> {
    private static final Filter ALL = new Filter(Set.of(), Map.of(), Set.of());

    public Filter {
        kinds = Set.copyOf(kinds);
        labels = Map.copyOf(labels);
        labelKeys = Set.copyOf(labelKeys);
    }

    /** Matches every snapshot. */
    public static Filter all() {
        return ALL;
    }

    /** Snapshots of one of these kinds. */
    public static Filter kind(Kind first, Kind... more) {
        return new Filter(EnumSet.of(first, more), Map.of(), Set.of());
    }

    /** Snapshots with label {@code key} set to {@code value}. */
    public static Filter label(String key, String value) {
        return new Filter(Set.of(), Map.of(key, value), Set.of());
    }

    /** Snapshots that have label {@code key}, whatever its value. */
    public static Filter hasLabel(String key) {
        return new Filter(Set.of(), Map.of(), Set.of(key));
    }

    /**
     * A filter matching what both this and {@code other} match.
     *
     * @throws IllegalArgumentException when the two could match nothing together (disjoint kinds, or different
     *                                  values required for one label)
     */
    public Filter and(Filter other) {
        Set<Kind> k;
        if (kinds.isEmpty()) {
            k = other.kinds;
        } else if (other.kinds.isEmpty()) {
            k = kinds;
        } else {
            k = EnumSet.copyOf(kinds);
            k.retainAll(other.kinds);
            if (k.isEmpty()) {
                throw new IllegalArgumentException("filters on kinds " + kinds + " and " + other.kinds + " match nothing");
            }
        }
        Map<String, String> l = new HashMap<>(labels);
        other.labels.forEach((key, v) -> {
            String mine = l.putIfAbsent(key, v);
            if (mine != null && !mine.equals(v)) {
                throw new IllegalArgumentException("filters require label " + key + " = " + mine + " and = " + v);
            }
        });
        Set<String> keys = new HashSet<>(labelKeys);
        keys.addAll(other.labelKeys);
        return new Filter(k, l, keys);
    }

    @Override
    public boolean test(Info info) {
        if (!kinds.isEmpty() && !kinds.contains(info.kind())) {
            return false;
        }
        for (Map.Entry<String, String> e : labels.entrySet()) {
            if (!e.getValue().equals(info.labels().get(e.getKey()))) {
                return false;
            }
        }
        return info.labels().keySet().containsAll(labelKeys);
    }
}
