package dev.berth.cri.images;

import dev.berth.cri.store.JsonRecords;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The image records, by id, in one MVStore file under the CRI plugin's root. Each change is one commit followed
 * by a sync, so after kill -9 the file holds either the old or the new records. A name (tag or digest) belongs
 * to at most one image: giving it to one takes it from another.
 */
final class ImageStore implements AutoCloseable {
    private final JsonRecords<ImageRecord> images;

    ImageStore(Path file) {
        this.images = new JsonRecords<>(file, ImageRecord.class, "image");
    }

    Optional<ImageRecord> get(String id) {
        return images.get(id);
    }

    List<ImageRecord> list() {
        return images.list();
    }

    /** The image one of whose tags or digests is {@code name}. */
    Optional<ImageRecord> byName(String name) {
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
                images.stage(other.id(), other.withNames(tags, digests));
            }
        }
        ImageRecord merged = get(image.id())
                .map(old -> new ImageRecord(image.id(), old.repoTags(), old.repoDigests(), image.target(),
                        image.manifest(), image.size(), image.user(), image.pulledAt(), image.snapshot()).plus(image.repoTags(), image.repoDigests()))
                .orElse(image);
        images.stage(merged.id(), merged);
        images.commit();
        return merged;
    }

    /** Replaces the names of image {@code id}. */
    synchronized void rename(String id, List<String> tags, List<String> digests) {
        get(id).ifPresent(r -> images.put(id, r.withNames(tags, digests)));
    }

    void remove(String id) {
        images.remove(id);
    }

    @Override
    public void close() {
        images.close();
    }
}
