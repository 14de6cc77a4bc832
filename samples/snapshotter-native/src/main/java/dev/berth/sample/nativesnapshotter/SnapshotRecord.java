package dev.berth.sample.nativesnapshotter;

import dev.berth.core.snapshot.Info;
import dev.berth.core.snapshot.Kind;
import dev.berth.core.snapshot.Usage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/**
 * One snapshot as stored beside its tree, in {@code snapshots/<id>/info}: a properties file that every change
 * replaces whole by an atomic rename, so a crash leaves the old or the new record, never a torn one. Keeping the
 * record in the snapshot's own directory makes creating and removing a snapshot one directory rename each.
 *
 * @param id    the directory {@code snapshots/<id>}
 * @param usage measured at commit for committed snapshots; {@link Usage#ZERO} otherwise
 */
record SnapshotRecord(long id, Info info, Usage usage) {
    static final String FILE = "info";
    private static final String FORMAT = "1";
    private static final String LABEL = "label.";

    SnapshotRecord withLabels(Map<String, String> labels, Instant now) {
        return new SnapshotRecord(id, new Info(info.name(), info.parent(), info.kind(), labels, info.created(), now), usage);
    }

    /** Writes the record into {@code dir} durably: temp file, fsync, rename over the old one, fsync of the directory. */
    void write(Path dir) throws IOException {
        Path tmp = dir.resolve(FILE + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(encode());
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        Files.move(tmp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncDirectory(dir);
    }

    /** Makes a rename inside {@code dir} survive power loss. */
    static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /**
     * Reads the record of directory {@code dir}, snapshot {@code id}.
     *
     * @throws IOException when the file is missing, unreadable or not a record of a format this plugin knows
     */
    static SnapshotRecord read(Path dir, long id) throws IOException {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(dir.resolve(FILE))) {
            p.load(in);
        }
        if (!FORMAT.equals(p.getProperty("format"))) {
            throw new IOException(dir.resolve(FILE) + ": unknown record format " + p.getProperty("format"));
        }
        try {
            Map<String, String> labels = new HashMap<>();
            for (String k : p.stringPropertyNames()) {
                if (k.startsWith(LABEL)) {
                    labels.put(k.substring(LABEL.length()), p.getProperty(k));
                }
            }
            Info info = new Info(required(p, "name"), p.getProperty("parent"), Kind.valueOf(required(p, "kind")), labels,
                    Instant.parse(required(p, "created")), Instant.parse(required(p, "updated")));
            Usage usage = new Usage(Long.parseLong(required(p, "usage.size")), Long.parseLong(required(p, "usage.inodes")));
            return new SnapshotRecord(id, info, usage);
        } catch (RuntimeException e) {
            throw new IOException(dir.resolve(FILE) + ": corrupt record: " + e.getMessage(), e);
        }
    }

    private static String required(Properties p, String key) {
        String v = p.getProperty(key);
        if (v == null) {
            throw new IllegalArgumentException("no " + key);
        }
        return v;
    }

    private byte[] encode() {
        Properties p = new Properties();
        p.setProperty("format", FORMAT);
        p.setProperty("name", info.name());
        if (info.parent() != null) {
            p.setProperty("parent", info.parent());
        }
        p.setProperty("kind", info.kind().name());
        p.setProperty("created", info.created().toString());
        p.setProperty("updated", info.updated().toString());
        p.setProperty("usage.size", Long.toString(usage.size()));
        p.setProperty("usage.inodes", Long.toString(usage.inodes()));
        info.labels().forEach((k, v) -> p.setProperty(LABEL + k, v));
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try {
            p.store(out, "snapshot " + id + " of the native snapshotter");
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in memory
        }
        return out.toByteArray();
    }
}
