package dev.berth.core.migrate;

import dev.berth.config.TomlWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The migrated Berth config: values by table, written as TOML in the order they were set. */
final class BerthConfigBuilder {
    private final Map<List<String>, Map<String, Object>> tables = new LinkedHashMap<>();

    BerthConfigBuilder set(List<String> table, String key, Object value) {
        tables.computeIfAbsent(table, t -> new LinkedHashMap<>()).put(key, value);
        return this;
    }

    boolean has(List<String> table, String key) {
        return tables.getOrDefault(table, Map.of()).containsKey(key);
    }

    String toToml(String header) {
        StringBuilder out = new StringBuilder(header);
        Map<String, Object> top = tables.getOrDefault(List.<String>of(), Map.of());
        top.forEach((k, v) -> out.append(TomlWriter.key(k)).append(" = ").append(value(v)).append('\n'));
        tables.forEach((table, values) -> {
            if (!table.isEmpty()) {
                out.append("\n[").append(table.stream().map(TomlWriter::key).collect(Collectors.joining("."))).append("]\n");
                values.forEach((k, v) -> out.append(TomlWriter.key(k)).append(" = ").append(value(v)).append('\n'));
            }
        });
        return out.toString();
    }

    private static String value(Object v) {
        if (v instanceof List<?> l) {
            return l.stream().map(BerthConfigBuilder::value).collect(Collectors.joining(", ", "[", "]"));
        }
        return v instanceof String s ? TomlWriter.string(s) : String.valueOf(v);
    }
}
