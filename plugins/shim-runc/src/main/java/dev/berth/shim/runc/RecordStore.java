package dev.berth.shim.runc;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Container records as one JSON file each, {@code <dir>/<id>.json}. A write goes to a temp file that is renamed over
 * the old one, so a crash of the daemon leaves the old record or the new one, never half of either. A new record is
 * synced before it is renamed into place ({@link #put}): a created container is on the disk. A change of state
 * ({@link #update}) is not waited for: the page cache carries it across a daemon crash, and what only a power loss
 * could take (which takes the containers with it) is a start time or an exit report, which recovery derives again.
 */
public final class RecordStore {
    private static final Logger LOG = LoggerFactory.getLogger(RecordStore.class);
    private static final String SUFFIX = ".json";
    private final Path dir;
    private final Gson gson = new GsonBuilder().registerTypeAdapter(Instant.class, new InstantAdapter()).create();

    public RecordStore(Path dir) {
        this.dir = dir;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes a new record and waits until it is on the disk. */
    public void put(ContainerRecord r) {
        write(r, true);
    }

    /** Replaces a record with a later state of the same container, without waiting for the disk. */
    public void update(ContainerRecord r) {
        write(r, false);
    }

    private void write(ContainerRecord r, boolean sync) {
        Path tmp = dir.resolve("." + r.id() + SUFFIX + ".tmp");
        try {
            Files.writeString(tmp, gson.toJson(r), StandardCharsets.UTF_8);
            if (sync) {
                try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
            }
            try {
                Files.move(tmp, file(r.id()), StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file(r.id()), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new BerthException(ErrorKind.INTERNAL, "cannot write record of container " + r.id() + ": " + e, e);
        }
    }

    public Optional<ContainerRecord> get(String id) {
        Path f = file(id);
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(gson.fromJson(Files.readString(f), ContainerRecord.class));
        } catch (IOException | JsonParseException e) {
            throw new BerthException(ErrorKind.INTERNAL, "cannot read record " + f + ": " + e.getMessage(), e);
        }
    }

    public void remove(String id) {
        try {
            Files.deleteIfExists(file(id));
        } catch (IOException e) {
            throw new BerthException(ErrorKind.INTERNAL, "cannot remove record of container " + id + ": " + e, e);
        }
    }

    /** Every readable record, oldest first; unreadable files are logged and skipped, never fatal. */
    public List<ContainerRecord> loadAll() {
        List<ContainerRecord> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path f : ds) {
                if (f.getFileName().toString().startsWith(".")) {
                    continue;
                }
                try {
                    ContainerRecord r = gson.fromJson(Files.readString(f), ContainerRecord.class);
                    if (r != null && r.id() != null && f.getFileName().toString().equals(r.id() + SUFFIX)) {
                        out.add(r);
                    } else {
                        LOG.warn("skipping container record {}: it does not name its container", f);
                    }
                } catch (IOException | JsonParseException e) {
                    LOG.warn("skipping unreadable container record {}: {}", f, e.toString());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.sort(Comparator.comparing(ContainerRecord::createdAt, Comparator.nullsFirst(Comparator.naturalOrder()))
                .thenComparing(ContainerRecord::id));
        return out;
    }

    private Path file(String id) {
        return dir.resolve(id + SUFFIX);
    }

    /** Instants as ISO-8601 text, readable in the file and exact to the nanosecond. */
    private static final class InstantAdapter extends TypeAdapter<Instant> {
        @Override
        public void write(JsonWriter out, Instant value) throws IOException {
            if (value == null) {
                out.nullValue();
            } else {
                out.value(value.toString());
            }
        }

        @Override
        public Instant read(JsonReader in) throws IOException {
            if (in.peek() == JsonToken.NULL) {
                in.nextNull();
                return null;
            }
            return Instant.parse(in.nextString());
        }
    }
}
