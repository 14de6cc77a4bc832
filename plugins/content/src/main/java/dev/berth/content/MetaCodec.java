package dev.berth.content;

import dev.berth.core.content.Digest;
import dev.berth.core.content.Lease;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Encodes metadata values for {@code meta.db} as versioned byte arrays, so the file does not depend on Java
 * serialization of our classes.
 */
final class MetaCodec {
    private static final int BLOB_V1 = 1;
    private static final int LEASE_V1 = 1;

    private MetaCodec() {
    }

    static byte[] encode(BlobMeta m) {
        return write(out -> {
            out.writeByte(BLOB_V1);
            writeInstant(out, m.createdAt());
            writeInstant(out, m.updatedAt());
            writeMap(out, m.labels());
        });
    }

    static BlobMeta decodeBlob(byte[] bytes) {
        return read(bytes, in -> {
            version(in, BLOB_V1, "blob");
            return new BlobMeta(readInstant(in), readInstant(in), readMap(in));
        });
    }

    static byte[] encode(Lease l) {
        return write(out -> {
            out.writeByte(LEASE_V1);
            writeMap(out, l.labels());
            writeInstant(out, l.createdAt());
            out.writeBoolean(l.expiresAt().isPresent());
            if (l.expiresAt().isPresent()) {
                writeInstant(out, l.expiresAt().get());
            }
            out.writeInt(l.resources().size());
            for (Digest d : l.resources()) {
                writeString(out, d.toString());
            }
        });
    }

    static Lease decodeLease(String id, byte[] bytes) {
        return read(bytes, in -> {
            version(in, LEASE_V1, "lease");
            Map<String, String> labels = readMap(in);
            Instant created = readInstant(in);
            Optional<Instant> expires = in.readBoolean() ? Optional.of(readInstant(in)) : Optional.empty();
            int n = in.readInt();
            Set<Digest> resources = new LinkedHashSet<>();
            for (int i = 0; i < n; i++) {
                resources.add(Digest.parse(readString(in)));
            }
            return new Lease(id, labels, created, expires, resources);
        });
    }

    private interface Body {
        void write(DataOutputStream out) throws IOException;
    }

    private interface Parser<T> {
        T read(DataInputStream in) throws IOException;
    }

    private static byte[] write(Body body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            body.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in-memory streams do not fail
        }
        return bytes.toByteArray();
    }

    private static <T> T read(byte[] bytes, Parser<T> parser) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            return parser.read(in);
        } catch (IOException e) {
            throw new IllegalStateException("corrupt record in meta.db: " + e, e);
        }
    }

    private static void version(DataInputStream in, int want, String what) throws IOException {
        int v = in.readUnsignedByte();
        if (v != want) {
            throw new IOException(what + " record version " + v + " is unknown to this Berth (want " + want + ")");
        }
    }

    private static void writeInstant(DataOutputStream out, Instant t) throws IOException {
        out.writeLong(t.getEpochSecond());
        out.writeInt(t.getNano());
    }

    private static Instant readInstant(DataInputStream in) throws IOException {
        long s = in.readLong();
        return Instant.ofEpochSecond(s, in.readInt());
    }

    private static void writeMap(DataOutputStream out, Map<String, String> m) throws IOException {
        out.writeInt(m.size());
        for (Map.Entry<String, String> e : new java.util.TreeMap<>(m).entrySet()) {
            writeString(out, e.getKey());
            writeString(out, e.getValue());
        }
    }

    private static Map<String, String> readMap(DataInputStream in) throws IOException {
        int n = in.readInt();
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            m.put(readString(in), readString(in));
        }
        return m;
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readString(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > in.available()) {
            throw new IOException("string length " + n + " out of range");
        }
        return new String(in.readNBytes(n), StandardCharsets.UTF_8);
    }
}
