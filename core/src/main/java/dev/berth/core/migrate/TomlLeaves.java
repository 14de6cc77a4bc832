package dev.berth.core.migrate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.tomlj.TomlArray;
import org.tomlj.TomlTable;

/**
 * Every value of a TOML file by its key path, remembering which ones the migration used, so that whatever it did not
 * use can be listed: nothing in the old file is dropped without a word.
 */
final class TomlLeaves {
    private final Map<List<String>, Object> values = new LinkedHashMap<>();
    private final Map<List<String>, Boolean> used = new LinkedHashMap<>();

    TomlLeaves(TomlTable root) {
        collect(root, List.of());
    }

    private void collect(TomlTable t, List<String> path) {
        for (String k : t.keySet()) {
            List<String> here = append(path, k);
            Object v = t.get(List.of(k));
            if (v instanceof TomlTable sub) {
                collect(sub, here);
            } else {
                values.put(here, plain(v));
            }
        }
    }

    /** Arrays (also nested ones) as lists; an array of tables stays a list of TomlTables. */
    private static Object plain(Object v) {
        return v instanceof TomlArray a ? a.toList().stream().map(TomlLeaves::plain).toList() : v;
    }

    static List<String> append(List<String> path, String... more) {
        List<String> out = new ArrayList<>(path);
        out.addAll(List.of(more));
        return List.copyOf(out);
    }

    /** The value at {@code path}, marked as used. */
    Optional<Object> take(List<String> path) {
        if (!values.containsKey(path)) {
            return Optional.empty();
        }
        used.put(path, true);
        return Optional.ofNullable(values.get(path));
    }

    Optional<String> string(List<String> path) {
        return take(path).map(String::valueOf);
    }

    /** A string that says something: empty strings are as good as absent. */
    Optional<String> nonEmpty(List<String> path) {
        return string(path).filter(s -> !s.isEmpty());
    }

    Optional<Boolean> bool(List<String> path) {
        return take(path).filter(Boolean.class::isInstance).map(Boolean.class::cast);
    }

    Optional<Long> number(List<String> path) {
        return take(path).filter(Long.class::isInstance).map(Long.class::cast);
    }

    @SuppressWarnings("unchecked")
    Optional<List<Object>> list(List<String> path) {
        return take(path).filter(List.class::isInstance).map(l -> (List<Object>) l);
    }

    /** The names of the sub-tables directly under {@code path} (e.g. the runtimes of a runtime table). */
    List<String> children(List<String> path) {
        List<String> out = new ArrayList<>();
        for (List<String> k : values.keySet()) {
            if (k.size() > path.size() + 1 && k.subList(0, path.size()).equals(path) && !out.contains(k.get(path.size()))) {
                out.add(k.get(path.size()));
            }
        }
        return out;
    }

    /** Marks everything under {@code path} as dealt with (e.g. reported once as a whole). */
    void takeAll(List<String> path) {
        values.keySet().stream().filter(k -> k.size() >= path.size() && k.subList(0, path.size()).equals(path))
                .forEach(k -> used.put(k, true));
    }

    /** The values nobody took, by path, in file order. */
    Map<List<String>, Object> unused() {
        Map<List<String>, Object> out = new LinkedHashMap<>();
        values.forEach((k, v) -> {
            if (!used.containsKey(k)) {
                out.put(k, v);
            }
        });
        return out;
    }
}
