package dev.berth.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Writes a config tree as TOML that {@link ConfigLoader} reads back: plain values first, then one {@code [table]}
 * per nested object. Comments from the reference.conf files are carried over, and keys keep the order in which
 * their reference.conf declares them.
 */
public final class TomlWriter {
    private TomlWriter() {
    }

    public static String write(Config config) {
        StringBuilder out = new StringBuilder();
        table(out, config.root(), List.of());
        return out.toString();
    }

    private static void table(StringBuilder out, ConfigObject o, List<String> path) {
        List<Map.Entry<String, ConfigValue>> entries = ordered(o);
        for (Map.Entry<String, ConfigValue> e : entries) {
            if (!(e.getValue() instanceof ConfigObject)) {
                comments(out, e.getValue());
                out.append(TomlKeys.key(e.getKey())).append(" = ").append(value(e.getValue())).append('\n');
            }
        }
        for (Map.Entry<String, ConfigValue> e : entries) {
            if (e.getValue() instanceof ConfigObject sub) {
                List<String> here = new ArrayList<>(path);
                here.add(e.getKey());
                boolean hasValues = sub.values().stream().anyMatch(v -> !(v instanceof ConfigObject));
                if (hasValues || sub.isEmpty() || !path.isEmpty()) {
                    out.append('\n');
                    comments(out, sub);
                    out.append('[').append(TomlKeys.dotted(here)).append("]\n");
                }
                table(out, sub, here);
            }
        }
    }

    private static List<Map.Entry<String, ConfigValue>> ordered(ConfigObject o) {
        return o.entrySet().stream()
                .sorted(Comparator.<Map.Entry<String, ConfigValue>, String>comparing(e -> String.valueOf(e.getValue().origin().url()))
                        .thenComparingInt(e -> e.getValue().origin().lineNumber())
                        .thenComparing(Map.Entry::getKey))
                .collect(Collectors.toList());
    }

    private static void comments(StringBuilder out, ConfigValue v) {
        for (String c : v.origin().comments()) {
            out.append('#').append(c.isEmpty() || c.startsWith(" ") ? c : " " + c).append('\n');
        }
    }

    private static String value(ConfigValue v) {
        if (v instanceof ConfigList list) {
            return list.stream().map(TomlWriter::value).collect(Collectors.joining(", ", "[", "]"));
        }
        if (v instanceof ConfigObject o) {
            return o.entrySet().stream().map(e -> TomlKeys.key(e.getKey()) + " = " + value(e.getValue()))
                    .collect(Collectors.joining(", ", "{", "}"));
        }
        Object u = v.unwrapped();
        if (u instanceof String s) {
            return string(s);
        }
        return String.valueOf(u);
    }

    /** A key as TOML spells it: bare where allowed, quoted otherwise. */
    public static String key(String k) {
        return TomlKeys.key(k);
    }

    /** A TOML basic string. */
    public static String string(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\r' -> b.append("\\r");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
