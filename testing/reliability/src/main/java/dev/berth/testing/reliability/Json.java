package dev.berth.testing.reliability;

import java.util.LinkedHashMap;
import java.util.Map;

/** The flat JSON objects of string values that fault records are: written and read without a JSON library. */
final class Json {
    private Json() {
    }

    static String write(Map<String, String> fields) {
        StringBuilder b = new StringBuilder("{");
        fields.forEach((k, v) -> b.append(b.length() > 1 ? ",\n " : "\n ").append(quote(k)).append(": ").append(quote(v)));
        return b.append("\n}\n").toString();
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    /** Reads what {@link #write} wrote (an object whose values are all strings). */
    static Map<String, String> read(String json) {
        Map<String, String> out = new LinkedHashMap<>();
        int[] pos = {skip(json, 0, '{')};
        while (true) {
            pos[0] = space(json, pos[0]);
            if (json.charAt(pos[0]) == '}') {
                return out;
            }
            String key = string(json, pos);
            pos[0] = skip(json, pos[0], ':');
            pos[0] = space(json, pos[0]);
            out.put(key, string(json, pos));
            pos[0] = space(json, pos[0]);
            if (json.charAt(pos[0]) == ',') {
                pos[0]++;
            }
        }
    }

    private static int space(String s, int i) {
        while (Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i;
    }

    private static int skip(String s, int i, char expected) {
        i = space(s, i);
        if (s.charAt(i) != expected) {
            throw new IllegalArgumentException("expected '" + expected + "' at " + i + " of a fault record");
        }
        return i + 1;
    }

    private static String string(String s, int[] pos) {
        int i = skip(s, pos[0], '"');
        StringBuilder b = new StringBuilder();
        while (s.charAt(i) != '"') {
            char c = s.charAt(i++);
            if (c == '\\') {
                char e = s.charAt(i++);
                switch (e) {
                    case 'n' -> b.append('\n');
                    case 'r' -> b.append('\r');
                    case 't' -> b.append('\t');
                    case 'u' -> {
                        b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        i += 4;
                    }
                    default -> b.append(e);
                }
            } else {
                b.append(c);
            }
        }
        pos[0] = i + 1;
        return b.toString();
    }
}
