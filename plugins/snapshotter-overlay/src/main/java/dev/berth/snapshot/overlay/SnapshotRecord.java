package dev.berth.snapshot.overlay;

import dev.berth.core.snapshot.Info;
import dev.berth.core.snapshot.Kind;
import dev.berth.core.snapshot.Usage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * One snapshot as stored in {@code metadata.db}, encoded as a versioned byte array so the file does not depend on
 * Java serialization of our classes.
 *
 * @param id     the directory {@code snapshots/<id>}; never reused
 * @param parent the committed parent's name, or {@code null}
 * @param usage  measured at commit for committed snapshots; {@link Usage#ZERO} otherwise
 */
record SnapshotRecord(long id, Kind kind, String parent, Map<String, String> labels, Instant created, Instant updated,
        Usage usage) {
    private static final int V1 = 1;

    SnapshotRecord {
        labels = Map.copyOf(labels);
    }

    Info info(String name) {
        return new Info(name, parent, kind, labels, created, updated);
    }

    SnapshotRecord withLabels(Map<String, String> newLabels, Instant now) {
        return new SnapshotRecord(id, kind, parent, newLabels, created, now, usage);
    }

    byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(96);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(V1);
            out.writeLong(id);
            out.writeByte(kind.ordinal());
            out.writeBoolean(parent != null);
            if (parent != null) {
                writeString(out, parent);
            }
            out.writeInt(labels.size());
            for (Map.Entry<String, String> e : new TreeMap<>(labels).entrySet()) {
                writeString(out, e.getKey());
                writeString(out, e.getValue());
            }
            writeInstant(out, created);
            writeInstant(out, updated);
            out.writeLong(usage.size());
            out.writeLong(usage.inodes());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in-memory streams do not fail
        }
        return bytes.toByteArray();
    }

    static SnapshotRecord decode(String key, byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            int v = in.readUnsignedByte();
            if (v != V1) {
                throw new IOException("record version " + v + " is unknown to this Berth (want " + V1 + ")");
            }
            long id = in.readLong();
            int k = in.readUnsignedByte();
            if (k >= Kind.values().length) {
                throw new IOException("unknown kind " + k);
            }
            Kind kind = Kind.values()[k];
            String parent = in.readBoolean() ? readString(in) : null;
            int n = in.readInt();
            if (n < 0 || n > in.available()) {
                throw new IOException("label count " + n + " out of range");
            }
            Map<String, String> labels = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                labels.put(readString(in), readString(in));
            }
            Instant created = readInstant(in);
            Instant updated = readInstant(in);
            Usage usage = new Usage(in.readLong(), in.readLong());
            return new SnapshotRecord(id, kind, parent, labels, created, updated, usage);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalStateException("corrupt record for snapshot " + key + " in metadata.db: " + e, e);
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
