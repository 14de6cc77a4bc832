package dev.berth.cri.images;

import java.util.ArrayList;
import java.util.List;

/**
 * One image as the CRI sees it: its id is the digest of its config, and any number of names point at it.
 *
 * @param id          config digest, {@code sha256:…}
 * @param repoTags    {@code domain/path:tag} names
 * @param repoDigests {@code domain/path@sha256:…} names (the digest of what a tag resolved to: manifest or index)
 * @param target      the manifest or index digest the pull resolved, kept as the GC root in the content store
 * @param manifest    the platform manifest digest
 * @param size        bytes of config and (compressed) layers
 * @param user        the image config's {@code User}, "" when unset
 * @param pulledAt    epoch milliseconds of the last pull
 * @param snapshot    the chain id of its top layer's committed snapshot, or "" when it was not unpacked
 */
public record ImageRecord(String id, List<String> repoTags, List<String> repoDigests, String target, String manifest,
                          long size, String user, long pulledAt, String snapshot) {
    public ImageRecord {
        repoTags = List.copyOf(repoTags);
        repoDigests = List.copyOf(repoDigests);
        snapshot = snapshot == null ? "" : snapshot;
    }

    ImageRecord withNames(List<String> tags, List<String> digests) {
        return new ImageRecord(id, tags, digests, target, manifest, size, user, pulledAt, snapshot);
    }

    /** This image with {@code name} added to its tags (or digests), keeping the order and no duplicates. */
    ImageRecord plus(List<String> tags, List<String> digests) {
        return withNames(union(repoTags, tags), union(repoDigests, digests));
    }

    private static List<String> union(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        for (String s : b) {
            if (!out.contains(s)) {
                out.add(s);
            }
        }
        return out;
    }
}
