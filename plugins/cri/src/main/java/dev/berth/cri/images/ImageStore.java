package dev.berth.cri.images;

import com.google.gson.Gson;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;

/**
 * The image records, by id, in one MVStore file under the CRI plugin's root. Each change is one commit followed
 * by a sync, so after kill -9 the file holds either the old or the new records. A name (tag or digest) belongs
 * to at most one image: giving it to one takes it from another.
 */
final class ImageStore implements AutoCloseable {
    private static final Gson GSON = new Gson();
    private final MVStore store;
    private final MVMap<String, String> images;

    ImageStore(Path file) {
        try {
            this.store = new MVStore.Builder().fileName(file.toString()).autoCommitDisabled().open();
        } catch (RuntimeException e) {
            throw new BerthException(ErrorKind.INTERNAL, "cannot open image store " + file + ": " + e.getMessage(), e);
        }
        store.setRetentionTime(0);
        this.images = store.openMap("images");
    }

    synchronized Optional<ImageRecord> get(String id) {
        return Optional.ofNullable(images.get(id)).map(j -> GSON.fromJson(j, ImageRecord.class));
    }

    synchronized List<ImageRecord> list() {
        List<ImageRecord> out = new ArrayList<>();
        for (String j : images.values()) {
            out.add(GSON.fromJson(j, ImageRecord.class));
        }
        return out;
    }

    /** The image one of whose tags or digests is {@code name}. */
    synchronized Optional<ImageRecord> byName(String name) {
        return list().stream().filter(r -> r.repoTags().contains(name) || r.repoDigests().contains(name)).findFirst();
    }

    /**
     * Stores {@code image}, merged with the record of the same id if there is one, after taking its names from
     * any other image that had them.
     *
     * @return the stored record
     */
    synchronized ImageRecord put(ImageRecord image) {
        for (ImageRecord other : list()) {
            if (other.id().equals(image.id())) {
                continue;
            }
            List<String> tags = new ArrayList<>(other.repoTags());
            List<String> digests = new ArrayList<>(other.repoDigests());
            if (tags.removeAll(image.repoTags()) | digests.removeAll(image.repoDigests())) {
                images.put(other.id(), GSON.toJson(other.withNames(tags, digests)));
            }
        }
        ImageRecord merged = get(image.id())
                .map(old -> new ImageRecord(image.id(), old.repoTags(), old.repoDigests(), image.target(),
                        image.manifest(), image.size(), image.user(), image.pulledAt(), image.snapshot()).plus(image.repoTags(), image.repoDigests()))
                .orElse(image);
        images.put(merged.id(), GSON.toJson(merged));
        commit();
        return merged;
    }

    /** Replaces the names of image {@code id}. */
    synchronized void rename(String id, List<String> tags, List<String> digests) {
        get(id).ifPresent(r -> {
            images.put(id, GSON.toJson(r.withNames(tags, digests)));
            commit();
        });
    }

    synchronized void remove(String id) {
        if (images.remove(id) != null) {
            commit();
        }
    }

    private void commit() {
        store.commit();
        store.sync();
    }

    @Override
    public synchronized void close() {
        if (!store.isClosed()) {
            store.close();
        }
    }
}
