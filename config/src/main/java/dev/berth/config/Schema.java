package dev.berth.config;

import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import java.util.Map;
import java.util.regex.Pattern;
import org.tomlj.TomlArray;
import org.tomlj.TomlTable;

/**
 * What the reference.conf files allow. A table whose only key is {@code "<name>"} is a template: the user may add
 * entries under any name, each shaped like the template (e.g. {@code runtimes."<name>"}).
 */
final class Schema {
    static final String TEMPLATE = "<name>";
    /** Strings like "10s", "500ms", "16MiB": such keys also take a bare integer (seconds, bytes). */
    private static final Pattern UNIT = Pattern.compile("\\s*\\d+(\\.\\d+)?\\s*[a-zA-Z]+\\s*");

    private Schema() {
    }

    static ConfigValue lookup(ConfigObject schema, String key) {
        ConfigValue v = schema.get(key);
        if (v == null && schema.size() == 1 && schema.containsKey(TEMPLATE)) {
            return schema.get(TEMPLATE);
        }
        return v;
    }

    /** @return why {@code value} cannot stand where {@code expected} is, or null when it can */
    static String typeMismatch(ConfigValue expected, Object value) {
        String want = switch (expected.valueType()) {
            case OBJECT -> value instanceof TomlTable ? null : "a table";
            case LIST -> value instanceof TomlArray ? null : "an array";
            case BOOLEAN -> value instanceof Boolean ? null : "a boolean";
            case NUMBER -> expected.unwrapped() instanceof Double
                    ? (value instanceof Double || value instanceof Long ? null : "a number")
                    : (value instanceof Long ? null : "an integer");
            case STRING -> value instanceof String
                    || (value instanceof Long && UNIT.matcher((String) expected.unwrapped()).matches()) ? null : "a string";
            case NULL -> null;
        };
        if (want == null && expected instanceof ConfigList list && !list.isEmpty()) {
            TomlArray a = (TomlArray) value;
            for (int i = 0; i < a.size(); i++) {
                String inner = typeMismatch(list.get(0), a.get(i));
                if (inner != null) {
                    return "element " + i + ": " + inner;
                }
            }
        }
        return want == null ? null : "expected " + want + ", got " + describe(value);
    }

    private static String describe(Object v) {
        if (v instanceof TomlTable) {
            return "a table";
        }
        if (v instanceof TomlArray) {
            return "an array";
        }
        if (v instanceof String s) {
            return "the string \"" + s + "\"";
        }
        if (v instanceof Long || v instanceof Double) {
            return "the number " + v;
        }
        if (v instanceof Boolean) {
            return "the boolean " + v;
        }
        return v.getClass().getSimpleName();
    }

    /** The reference tree minus template entries, which are schema only and never settings. */
    static ConfigObject withoutTemplates(ConfigObject o) {
        ConfigObject r = o.withoutKey(TEMPLATE);
        for (Map.Entry<String, ConfigValue> e : r.entrySet()) {
            if (e.getValue() instanceof ConfigObject sub) {
                r = r.withValue(e.getKey(), withoutTemplates(sub));
            }
        }
        return r;
    }
}
