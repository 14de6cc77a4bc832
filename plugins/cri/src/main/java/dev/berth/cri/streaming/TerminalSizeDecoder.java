package dev.berth.cri.streaming;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The resize stream's content: JSON objects such as {@code {"Width":80,"Height":24}} one after another, split
 * across frames anywhere. Field names match case-insensitively, as Go's JSON decoder matches them. Like the
 * kubelet, the first malformed object ends resizing for the session.
 */
final class TerminalSizeDecoder {
    /** A size object is a few dozen bytes; anything this long without closing is not one. */
    static final int MAX_OBJECT = 4096;

    /** A terminal size in characters. */
    record Size(int width, int height) {
    }

    private final StringBuilder object = new StringBuilder();
    private int depth;
    private boolean inString;
    private boolean escaped;
    private boolean broken;

    /** Feeds more bytes; returns the sizes completed by them, in order. */
    List<Size> feed(byte[] bytes, int off, int len) {
        List<Size> sizes = new ArrayList<>();
        for (int i = off; i < off + len && !broken; i++) {
            char c = (char) (bytes[i] & 0xff);
            if (depth == 0) {
                if (c == '{') {
                    depth = 1;
                    object.append(c);
                } else if (!Character.isWhitespace(c)) {
                    broken = true;
                }
                continue;
            }
            object.append(c);
            if (object.length() > MAX_OBJECT) {
                broken = true;
            } else if (inString) {
                if (escaped) {
                    escaped = false;
                } else if (c == '\\') {
                    escaped = true;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '{') {
                depth++;
            } else if (c == '}' && --depth == 0) {
                Size s = parse(object.toString());
                object.setLength(0);
                if (s == null) {
                    broken = true;
                } else {
                    sizes.add(s);
                }
            }
        }
        return sizes;
    }

    /** Whether a malformed object ended decoding. */
    boolean broken() {
        return broken;
    }

    private static Size parse(String json) {
        try {
            JsonObject o = JsonParser.parseString(json).getAsJsonObject();
            Integer w = null;
            Integer h = null;
            for (Map.Entry<String, JsonElement> e : o.entrySet()) {
                if (e.getKey().equalsIgnoreCase("width")) {
                    w = e.getValue().getAsInt();
                } else if (e.getKey().equalsIgnoreCase("height")) {
                    h = e.getValue().getAsInt();
                }
            }
            // Go decodes into uint16 fields: a missing field is 0, a value out of range is an error.
            int width = w == null ? 0 : w;
            int height = h == null ? 0 : h;
            if (width < 0 || width > 0xffff || height < 0 || height > 0xffff) {
                return null;
            }
            return new Size(width, height);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
