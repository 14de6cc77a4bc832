package dev.berth.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A JSON tree as block-style YAML, for {@code -o yaml}: the same document the JSON output gives, so one code path
 * decides what is printed. Strings a YAML 1.1 or 1.2 reader would take for something else (numbers, booleans,
 * nulls, indicators, {@code ": "}) are double-quoted; multi-line strings are literal blocks. No YAML library is on
 * the class path, and emitting (never parsing) is small enough to own.
 */
final class Yaml {
    private static final Set<String> RESERVED = Set.of("null", "~", "true", "false", "yes", "no", "on", "off", "y", "n");
    /**
     * What a YAML 1.1 or 1.2 reader may take for a number or a date: a digit first, then only digits, hex letters and
     * the signs, dots, colons, spaces and T/Z of floats, sexagesimals and timestamps ("127.0.0.1:5000/x" stays plain).
     */
    private static final Pattern NUMBER_LIKE = Pattern.compile("[-+]?\\.?[0-9][0-9a-fxobtz_.:+\\- ]*|[-+]?\\.(inf|nan)",
            Pattern.CASE_INSENSITIVE);
    private static final String INDICATORS = "-?:,[]{}#&*!|>'\"%@`=";

    private Yaml() {
    }

    static String write(JsonElement root) {
        StringBuilder b = new StringBuilder();
        if (isBlock(root)) {
            block(b, root, 0);
        } else {
            inline(b, root, 2); // a literal block needs indented lines even at the top
            b.append('\n');
        }
        return b.toString();
    }

    /** A non-empty map or list, written over several lines; everything else fits after a key or dash. */
    private static boolean isBlock(JsonElement e) {
        return e.isJsonObject() && !e.getAsJsonObject().isEmpty() || e.isJsonArray() && !e.getAsJsonArray().isEmpty();
    }

    /** Writes a non-empty map or list whose first line starts at the current position, indented by {@code indent}. */
    private static void block(StringBuilder b, JsonElement e, int indent) {
        boolean first = true;
        if (e.isJsonObject()) {
            for (Map.Entry<String, JsonElement> m : e.getAsJsonObject().entrySet()) {
                if (!first) {
                    pad(b, indent);
                }
                first = false;
                b.append(scalar(m.getKey())).append(':');
                JsonElement v = m.getValue();
                if (v.isJsonObject() && isBlock(v)) {
                    b.append('\n');
                    pad(b, indent + 2);
                    block(b, v, indent + 2);
                } else if (isBlock(v)) {
                    b.append('\n');
                    pad(b, indent);
                    block(b, v, indent); // list items at the key's column, as kubectl writes them
                } else {
                    b.append(' ');
                    inline(b, v, indent + 2);
                    b.append('\n');
                }
            }
        } else {
            for (JsonElement item : (JsonArray) e) {
                if (!first) {
                    pad(b, indent);
                }
                first = false;
                b.append("- ");
                if (isBlock(item)) {
                    block(b, item, indent + 2);
                } else {
                    inline(b, item, indent + 2);
                    b.append('\n');
                }
            }
        }
    }

    /** A scalar or an empty collection, on the current line; a literal block continues at {@code indent}. */
    private static void inline(StringBuilder b, JsonElement e, int indent) {
        if (e.isJsonNull()) {
            b.append("null");
        } else if (e.isJsonObject()) {
            b.append("{}");
        } else if (e.isJsonArray()) {
            b.append("[]");
        } else {
            JsonPrimitive p = e.getAsJsonPrimitive();
            if (p.isString()) {
                string(b, p.getAsString(), indent);
            } else {
                b.append(p.getAsString()); // numbers keep the text JSON gave them; booleans are true/false
            }
        }
    }

    private static void string(StringBuilder b, String s, int indent) {
        if (s.indexOf('\n') >= 0 && literalSafe(s)) {
            literal(b, s, indent);
        } else {
            b.append(scalar(s));
        }
    }

    /** A plain scalar when nothing could misread it, else a double-quoted one. */
    static String scalar(String s) {
        return isPlainSafe(s) ? s : quote(s);
    }

    static boolean isPlainSafe(String s) {
        if (s.isEmpty() || s.equals("<<") || RESERVED.contains(s.toLowerCase(Locale.ROOT)) || NUMBER_LIKE.matcher(s).matches()) {
            return false;
        }
        if (INDICATORS.indexOf(s.charAt(0)) >= 0 || Character.isWhitespace(s.charAt(0))
                || Character.isWhitespace(s.charAt(s.length() - 1)) || s.endsWith(":")) {
            return false;
        }
        if (s.contains(": ") || s.contains(" #") || s.contains(":\t") || s.contains("\t#")) {
            return false;
        }
        return s.chars().allMatch(Yaml::printable);
    }

    private static boolean printable(int c) {
        return c >= 0x20 && c != 0x7f && c != 0x85 && c != 0x2028 && c != 0x2029 && c != 0xfeff
                && !(c >= 0x80 && c < 0xa0);
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\r' -> b.append("\\r");
                default -> {
                    if (printable(c) || Character.isSurrogate(c)) {
                        b.append(c);
                    } else {
                        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    /**
     * Whether a multi-line string reads back exactly from a literal block: printable lines, no tab or space at a
     * line's edge that the block's indentation rules could eat or mistake for indentation.
     */
    private static boolean literalSafe(String s) {
        String body = s.replaceAll("\n+$", "");
        if (body.isEmpty()) {
            return false;
        }
        for (String line : body.split("\n", -1)) {
            if (!line.isEmpty() && (Character.isWhitespace(line.charAt(0)) || Character.isWhitespace(line.charAt(line.length() - 1)))) {
                return false;
            }
            if (!line.chars().allMatch(c -> printable(c) || Character.isSurrogate((char) c))) {
                return false;
            }
        }
        return true;
    }

    /** {@code |-} without a final newline, {@code |} with one, {@code |+} keeping several. */
    private static void literal(StringBuilder b, String s, int indent) {
        String body = s.replaceAll("\n+$", "");
        int trailing = s.length() - body.length();
        b.append(trailing == 0 ? "|-" : trailing == 1 ? "|" : "|+");
        for (String line : body.split("\n", -1)) {
            b.append('\n');
            if (!line.isEmpty()) {
                pad(b, indent);
                b.append(line);
            }
        }
        for (int i = 1; i < trailing; i++) {
            b.append('\n');
        }
    }

    private static void pad(StringBuilder b, int indent) {
        b.append(" ".repeat(indent));
    }
}
