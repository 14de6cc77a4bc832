package dev.berth.cri.registry;

import dev.berth.core.content.Digest;
import java.util.List;
import java.util.Objects;

/**
 * The result of a pull: everything is in the content store, labelled for garbage collection.
 *
 * @param ref         what was pulled
 * @param target      what the reference resolved to (an index or a manifest): the repo digest
 * @param manifest    the platform's manifest
 * @param config      the image config blob; its digest is the image id
 * @param imageConfig the parsed config
 * @param layers      the layers, base first
 * @param size        bytes of config plus layers (compressed, as stored)
 */
public record PulledImage(ImageReference ref, Digest target, Digest manifest, Digest config, ImageConfig imageConfig,
                          List<Descriptor> layers, long size) {
    public PulledImage {
        Objects.requireNonNull(ref, "ref");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(manifest, "manifest");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(imageConfig, "imageConfig");
        layers = List.copyOf(layers);
    }

    /** {@code domain/path@target}. */
    public String repoDigest() {
        return ref.repoDigest(target);
    }
}
