package dev.berth.itest.fuzz;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

/**
 * Random and malformed protobuf messages of any type, from one seeded {@link Random}: built from nothing, or mutated
 * from a complete message (the CRI golden files). Values lean to what breaks servers: path traversal, NUL, control
 * characters, long strings, extreme and negative numbers, enum numbers no version of the proto defines, and fields
 * left unset.
 */
public final class RandomMessages {
    /** Nesting below which messages stay unset: bounds the size of a request. */
    private static final int MAX_DEPTH = 5;
    /** Longest string made; the daemon's own limit on a request is 16 MiB. */
    private static final int MAX_STRING = 256 << 10;
    private static final List<String> NASTY = List.of("", "..", "../../../../etc/passwd", "/", "/../../..", "a/../../b",
            "nul\0byte", "\0", "line\nbreak", "\r\n\t ", "-rf", "--help", "*", "%s%n%x", "${jndi:ldap://127.0.0.1:1/a}",
            "😀ü\u202e", "\ud800", "unix:///run/x.sock", "localhost:99999", "::1", "127.0.0.1:1/a/b:c@sha256:zz", "sha256:",
            "@", ":", "a:b:c", "UPPER", "name with space", "-1", "0", "9223372036854775808", "{\"json\": true}",
            "/proc/self/mem", "/dev/null", "host/../../etc", ".", "~root", "$HOME", "`id`", "$(id)");

    private final Random rnd;

    public RandomMessages(Random rnd) {
        this.rnd = rnd;
    }

    /** A message of {@code prototype}'s type with random fields set, others unset. */
    public Message random(Message prototype) {
        return random(prototype, 0);
    }

    private Message random(Message prototype, int depth) {
        Message.Builder b = prototype.newBuilderForType();
        for (FieldDescriptor f : prototype.getDescriptorForType().getFields()) {
            if (rnd.nextInt(3) == 0 || (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE && depth >= MAX_DEPTH)) {
                continue; // missing fields are half the fun
            }
            set(b, f, depth);
        }
        return b.build();
    }

    /**
     * {@code m} with some fields changed: cleared, set to random values, or (for messages) mutated in turn. A complete
     * golden message so becomes an almost-valid request with a few bad fields.
     */
    public Message mutate(Message m) {
        return mutate(m, 0);
    }

    private Message mutate(Message m, int depth) {
        Message.Builder b = m.toBuilder();
        for (FieldDescriptor f : m.getDescriptorForType().getFields()) {
            int dice = rnd.nextInt(10);
            if (dice == 0) {
                b.clearField(f);
            } else if (dice == 1 && depth < MAX_DEPTH) {
                b.clearField(f);
                set(b, f, depth);
            } else if (dice < 5 && f.getJavaType() == FieldDescriptor.JavaType.MESSAGE && !f.isRepeated() && m.hasField(f)
                    && depth < MAX_DEPTH) {
                b.setField(f, mutate((Message) m.getField(f), depth + 1));
            }
        }
        return b.build();
    }

    /** {@code m} with exactly one field, somewhere down its tree, cleared or set to a random value. */
    public Message mutateOne(Message m) {
        return mutateOne(m, 0);
    }

    private Message mutateOne(Message m, int depth) {
        List<FieldDescriptor> fields = m.getDescriptorForType().getFields();
        if (fields.isEmpty()) {
            return m;
        }
        FieldDescriptor f = fields.get(rnd.nextInt(fields.size()));
        Message.Builder b = m.toBuilder();
        if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE && !f.isRepeated() && m.hasField(f) && depth < MAX_DEPTH
                && rnd.nextInt(4) != 0) {
            return b.setField(f, mutateOne((Message) m.getField(f), depth + 1)).build();
        }
        b.clearField(f);
        if (rnd.nextInt(4) != 0) {
            set(b, f, depth);
        }
        return b.build();
    }

    private void set(Message.Builder b, FieldDescriptor f, int depth) {
        if (f.isRepeated()) {
            int n = rnd.nextInt(4);
            for (int i = 0; i < n; i++) {
                b.addRepeatedField(f, value(b, f, depth));
            }
        } else {
            b.setField(f, value(b, f, depth));
        }
    }

    private Object value(Message.Builder b, FieldDescriptor f, int depth) {
        return switch (f.getJavaType()) {
            case STRING -> string();
            case INT -> integer();
            case LONG -> longValue();
            case BOOLEAN -> rnd.nextBoolean();
            case FLOAT -> (float) doubleValue();
            case DOUBLE -> doubleValue();
            case BYTE_STRING -> bytes();
            case ENUM -> enumValue(f);
            case MESSAGE -> random(b.newBuilderForField(f).getDefaultInstanceForType(), depth + 1);
        };
    }

    /** A string from the nasty list, a random one, a long one, or an id that looks real but names nothing. */
    public String string() {
        return switch (rnd.nextInt(10)) {
            case 0, 1, 2, 3 -> NASTY.get(rnd.nextInt(NASTY.size()));
            case 4 -> hex(64);
            case 5 -> hex(1 + rnd.nextInt(12));
            case 6 -> "x".repeat(1 + rnd.nextInt(rnd.nextInt(20) == 0 ? MAX_STRING : 300));
            case 7 -> codePoints(1 + rnd.nextInt(40));
            default -> ascii(1 + rnd.nextInt(30));
        };
    }

    private String ascii(int n) {
        StringBuilder s = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            s.append((char) (0x20 + rnd.nextInt(0x5f)));
        }
        return s.toString();
    }

    private String codePoints(int n) {
        StringBuilder s = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            int cp = rnd.nextInt(0x2ffff);
            if (Character.isValidCodePoint(cp) && !(cp >= 0xd800 && cp <= 0xdfff)) {
                s.appendCodePoint(cp);
            }
        }
        return s.toString();
    }

    /** {@code n} random lowercase hex digits. */
    public String hex(int n) {
        byte[] b = new byte[(n + 1) / 2];
        rnd.nextBytes(b);
        return HexFormat.of().formatHex(b).substring(0, n);
    }

    private int integer() {
        return switch (rnd.nextInt(6)) {
            case 0 -> 0;
            case 1 -> -1;
            case 2 -> Integer.MIN_VALUE;
            case 3 -> Integer.MAX_VALUE;
            default -> rnd.nextInt(2000) - 1000;
        };
    }

    private long longValue() {
        return switch (rnd.nextInt(6)) {
            case 0 -> 0;
            case 1 -> -1;
            case 2 -> Long.MIN_VALUE;
            case 3 -> Long.MAX_VALUE;
            case 4 -> rnd.nextLong();
            default -> rnd.nextInt(1 << 20) - (1 << 19);
        };
    }

    private double doubleValue() {
        return switch (rnd.nextInt(5)) {
            case 0 -> Double.NaN;
            case 1 -> Double.NEGATIVE_INFINITY;
            case 2 -> -1.5;
            default -> rnd.nextDouble() * 1e6;
        };
    }

    private ByteString bytes() {
        byte[] b = new byte[rnd.nextInt(rnd.nextInt(10) == 0 ? 64 << 10 : 64)];
        rnd.nextBytes(b);
        return ByteString.copyFrom(b);
    }

    /** A defined value, or a number no version of the enum defines. */
    private Object enumValue(FieldDescriptor f) {
        var type = f.getEnumType();
        if (rnd.nextInt(3) == 0) {
            int unknown = rnd.nextBoolean() ? 1000 + rnd.nextInt(1000) : -1 - rnd.nextInt(100);
            return type.findValueByNumberCreatingIfUnknown(unknown);
        }
        return type.getValues().get(rnd.nextInt(type.getValues().size()));
    }

    /** One of the {@code n} choices 0..n-1. */
    public int nextInt(int n) {
        return rnd.nextInt(n);
    }
}
