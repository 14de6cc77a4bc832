package dev.berth.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;

/**
 * Reads the CRI's JSON form of a message (what crictl's pod-config.json and container-config.json hold) into a proto
 * builder, driven by the message descriptors alone: a field may be spelled by its proto name ({@code log_directory},
 * as Go's JSON tags spell it) or its JSON name ({@code logDirectory}); enums by name or number; 64-bit integers as
 * numbers or strings; bytes as base64; {@code null} leaves the default. An unknown field or a wrong type is an error
 * naming where it is ({@code $.linux.security_context}).
 */
final class ProtoJsonReader {
    private ProtoJsonReader() {
    }

    /** Thrown for JSON that does not fit the message; the message says where. */
    static final class BadJson extends IllegalArgumentException {
        BadJson(String message) {
            super(message);
        }
    }

    /** Parses the file as a {@code prototype}-typed message. */
    static <M extends Message> M readFile(Path file, M prototype) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        try {
            return read(text, prototype);
        } catch (BadJson e) {
            throw new BadJson(file + ": " + e.getMessage());
        }
    }

    @SuppressWarnings("unchecked")
    static <M extends Message> M read(String json, M prototype) {
        JsonElement root;
        try {
            root = JsonParser.parseString(json);
        } catch (JsonParseException e) {
            throw new BadJson("not JSON: " + rootCause(e).getMessage());
        }
        Message.Builder b = prototype.newBuilderForType();
        merge(root, b, "$");
        return (M) b.build();
    }

    private static void merge(JsonElement json, Message.Builder b, String path) {
        Descriptor type = b.getDescriptorForType();
        if (!json.isJsonObject()) {
            throw new BadJson(path + ": expected an object for " + type.getFullName() + ", got " + json);
        }
        for (Map.Entry<String, JsonElement> e : json.getAsJsonObject().entrySet()) {
            FieldDescriptor f = field(type, e.getKey());
            String at = path + "." + e.getKey();
            if (f == null) {
                throw new BadJson(at + ": " + type.getFullName() + " has no field \"" + e.getKey() + "\"");
            }
            JsonElement v = e.getValue();
            if (v.isJsonNull()) {
                continue;
            }
            if (f.isMapField()) {
                mapField(v, b, f, at);
            } else if (f.isRepeated()) {
                if (!v.isJsonArray()) {
                    throw new BadJson(at + ": expected an array, got " + v);
                }
                JsonArray items = v.getAsJsonArray();
                for (int i = 0; i < items.size(); i++) {
                    b.addRepeatedField(f, value(items.get(i), b, f, at + "[" + i + "]"));
                }
            } else {
                b.setField(f, value(v, b, f, at));
            }
        }
    }

    private static FieldDescriptor field(Descriptor type, String name) {
        FieldDescriptor f = type.findFieldByName(name);
        if (f != null) {
            return f;
        }
        for (FieldDescriptor candidate : type.getFields()) {
            if (candidate.getJsonName().equals(name)) {
                return candidate;
            }
        }
        return null;
    }

    private static void mapField(JsonElement v, Message.Builder b, FieldDescriptor f, String at) {
        if (!v.isJsonObject()) {
            throw new BadJson(at + ": expected an object (a map), got " + v);
        }
        Descriptor entryType = f.getMessageType();
        FieldDescriptor keyField = entryType.findFieldByName("key");
        FieldDescriptor valueField = entryType.findFieldByName("value");
        for (Map.Entry<String, JsonElement> e : v.getAsJsonObject().entrySet()) {
            Message.Builder entry = b.newBuilderForField(f);
            String entryAt = at + "[\"" + e.getKey() + "\"]";
            entry.setField(keyField, scalar(new JsonPrimitive(e.getKey()), keyField, entryAt));
            if (!e.getValue().isJsonNull()) {
                entry.setField(valueField, value(e.getValue(), entry, valueField, entryAt));
            }
            b.addRepeatedField(f, entry.build());
        }
    }

    private static Object value(JsonElement v, Message.Builder parent, FieldDescriptor f, String at) {
        if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
            Message.Builder sub = parent.newBuilderForField(f);
            merge(v, sub, at);
            return sub.build();
        }
        return scalar(v, f, at);
    }

    private static Object scalar(JsonElement v, FieldDescriptor f, String at) {
        if (!v.isJsonPrimitive()) {
            throw new BadJson(at + ": expected " + kind(f) + ", got " + v);
        }
        JsonPrimitive p = v.getAsJsonPrimitive();
        try {
            switch (f.getJavaType()) {
                case STRING:
                    if (!p.isString()) {
                        throw new BadJson(at + ": expected a string, got " + v);
                    }
                    return p.getAsString();
                case BOOLEAN:
                    if (p.isBoolean() || p.getAsString().equals("true") || p.getAsString().equals("false")) {
                        return p.isBoolean() ? p.getAsBoolean() : Boolean.parseBoolean(p.getAsString());
                    }
                    throw new BadJson(at + ": expected true or false, got " + v);
                case INT:
                    return unsigned(f) ? (int) ranged(p, 0, 0xFFFF_FFFFL, at) : (int) ranged(p, Integer.MIN_VALUE, Integer.MAX_VALUE, at);
                case LONG:
                    return unsigned(f) ? unsignedLong(p, at) : integral(p, at).longValueExact();
                case FLOAT:
                    return (float) number(p, at);
                case DOUBLE:
                    return number(p, at);
                case BYTE_STRING:
                    return ByteString.copyFrom(base64(p.getAsString(), at));
                case ENUM:
                    return enumValue(p, f.getEnumType(), at);
                default:
                    throw new BadJson(at + ": unsupported field type " + f.getType());
            }
        } catch (ArithmeticException e) {
            throw new BadJson(at + ": " + v + " is out of range for " + kind(f));
        }
    }

    private static boolean unsigned(FieldDescriptor f) {
        return switch (f.getType()) {
            case UINT32, FIXED32, UINT64, FIXED64 -> true;
            default -> false;
        };
    }

    private static long ranged(JsonPrimitive p, long min, long max, String at) {
        long n = integral(p, at).longValueExact();
        if (n < min || n > max) {
            throw new BadJson(at + ": " + n + " is out of range [" + min + ", " + max + "]");
        }
        return n;
    }

    private static long unsignedLong(JsonPrimitive p, String at) {
        BigInteger n = integral(p, at);
        if (n.signum() < 0 || n.bitLength() > 64) {
            throw new BadJson(at + ": " + n + " is out of range for an unsigned 64-bit integer");
        }
        return n.longValue();
    }

    /** A whole number, written as a JSON number (1, 1.0, 1e3) or a string holding one. */
    private static BigInteger integral(JsonPrimitive p, String at) {
        if (p.isBoolean()) {
            throw new BadJson(at + ": expected an integer, got " + p);
        }
        try {
            return new BigDecimal(p.getAsString().trim()).toBigIntegerExact();
        } catch (NumberFormatException | ArithmeticException e) {
            throw new BadJson(at + ": expected an integer, got " + p);
        }
    }

    private static double number(JsonPrimitive p, String at) {
        String s = p.getAsString().trim();
        switch (s) {
            case "NaN":
                return Double.NaN;
            case "Infinity":
                return Double.POSITIVE_INFINITY;
            case "-Infinity":
                return Double.NEGATIVE_INFINITY;
            default:
                try {
                    return Double.parseDouble(s);
                } catch (NumberFormatException e) {
                    throw new BadJson(at + ": expected a number, got " + p);
                }
        }
    }

    private static byte[] base64(String s, String at) {
        try {
            return (s.indexOf('-') >= 0 || s.indexOf('_') >= 0 ? Base64.getUrlDecoder() : Base64.getDecoder()).decode(s);
        } catch (IllegalArgumentException e) {
            throw new BadJson(at + ": expected base64, got \"" + s + "\"");
        }
    }

    private static EnumValueDescriptor enumValue(JsonPrimitive p, EnumDescriptor type, String at) {
        EnumValueDescriptor v;
        if (p.isNumber()) {
            v = type.findValueByNumber((int) ranged(p, Integer.MIN_VALUE, Integer.MAX_VALUE, at));
        } else {
            v = type.findValueByName(p.getAsString());
        }
        if (v == null) {
            StringBuilder names = new StringBuilder();
            type.getValues().forEach(e -> names.append(names.length() == 0 ? "" : ", ").append(e.getName()));
            throw new BadJson(at + ": " + p + " is not a " + type.getName() + " (one of " + names + ")");
        }
        return v;
    }

    private static String kind(FieldDescriptor f) {
        return f.getJavaType() == FieldDescriptor.JavaType.ENUM ? "a " + f.getEnumType().getName()
                : "a " + f.getType().name().toLowerCase(java.util.Locale.ROOT);
    }

    private static Throwable rootCause(Throwable e) {
        while (e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }
}
