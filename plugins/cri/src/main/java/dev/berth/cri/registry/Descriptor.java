package dev.berth.cri.registry;

import dev.berth.core.content.Digest;
import java.util.Objects;

/**
 * An OCI content descriptor: what a manifest or index says about a blob it references.
 *
 * @param mediaType the blob's media type
 * @param digest    its digest
 * @param size      its size in bytes
 * @param platform  for entries of an index: the platform the manifest is for, else null
 */
public record Descriptor(String mediaType, Digest digest, long size, Platform platform) {
    public Descriptor {
        Objects.requireNonNull(mediaType, "mediaType");
        Objects.requireNonNull(digest, "digest");
    }

    public Descriptor(String mediaType, Digest digest, long size) {
        this(mediaType, digest, size, null);
    }
}
