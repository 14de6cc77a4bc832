package dev.berth.cri.registry;

import dev.berth.core.content.Digest;
import java.util.Objects;

/**
 * A manifest or index as the registry sent it, verified against its digest.
 *
 * @param digest    its digest (the requested one, or the one the registry named / we computed for a tag)
 * @param mediaType its media type
 * @param bytes     its exact bytes
 */
public record FetchedManifest(Digest digest, String mediaType, byte[] bytes) {
    public FetchedManifest {
        Objects.requireNonNull(digest, "digest");
        Objects.requireNonNull(mediaType, "mediaType");
        Objects.requireNonNull(bytes, "bytes");
    }

    /** Whether this is an OCI index or Docker manifest list. */
    public boolean isIndex() {
        return MediaTypes.isIndex(mediaType);
    }

    /** A descriptor of it. */
    public Descriptor descriptor() {
        return new Descriptor(mediaType, digest, bytes.length);
    }
}
