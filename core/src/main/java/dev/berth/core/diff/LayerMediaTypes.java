package dev.berth.core.diff;

import dev.berth.core.errdefs.BerthException;
import java.util.Optional;

/** The layer media types Berth unpacks, and what each says about compression. */
public final class LayerMediaTypes {
    public static final String OCI_TAR = "application/vnd.oci.image.layer.v1.tar";
    public static final String OCI_TAR_GZIP = OCI_TAR + "+gzip";
    public static final String OCI_TAR_ZSTD = OCI_TAR + "+zstd";
    public static final String OCI_NONDISTRIBUTABLE_TAR = "application/vnd.oci.image.layer.nondistributable.v1.tar";
    public static final String OCI_NONDISTRIBUTABLE_TAR_GZIP = OCI_NONDISTRIBUTABLE_TAR + "+gzip";
    public static final String OCI_NONDISTRIBUTABLE_TAR_ZSTD = OCI_NONDISTRIBUTABLE_TAR + "+zstd";
    public static final String DOCKER_TAR_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    public static final String DOCKER_FOREIGN_TAR_GZIP = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
    /** Not in the Docker schema 2 spec, but written by some tools for uncompressed layers. */
    public static final String DOCKER_TAR = "application/vnd.docker.image.rootfs.diff.tar";

    private LayerMediaTypes() {
    }

    /**
     * The compression {@code mediaType} declares: a value for the types above, empty when the type says nothing
     * about compression ({@code null}, blank, {@code application/octet-stream}, {@code application/x-tar},
     * {@link #DOCKER_TAR}) so the bytes must be sniffed.
     *
     * <p>Appliers still sniff the magic bytes of every layer, as containerd does: registries and tools that label
     * an uncompressed layer {@code +gzip} (or the reverse) exist, and the bytes cannot lie about their format.
     *
     * @throws BerthException INVALID_ARGUMENT naming {@code mediaType} when it is not a layer type Berth can unpack
     *         (an encrypted layer, a config blob, a Docker foreign layer's URL list, …)
     */
    public static Optional<Compression> declaredCompression(String mediaType) {
        if (mediaType == null) {
            return Optional.empty();
        }
        String base = mediaType.strip();
        int semi = base.indexOf(';'); // media type parameters do not matter here
        if (semi >= 0) {
            base = base.substring(0, semi).strip();
        }
        switch (base) {
            case "", "application/octet-stream", "application/x-tar", DOCKER_TAR:
                return Optional.empty();
            case OCI_TAR, OCI_NONDISTRIBUTABLE_TAR:
                return Optional.of(Compression.NONE);
            case OCI_TAR_GZIP, OCI_NONDISTRIBUTABLE_TAR_GZIP, DOCKER_TAR_GZIP, DOCKER_FOREIGN_TAR_GZIP,
                    "application/gzip", "application/x-gzip":
                return Optional.of(Compression.GZIP);
            case OCI_TAR_ZSTD, OCI_NONDISTRIBUTABLE_TAR_ZSTD, "application/zstd":
                return Optional.of(Compression.ZSTD);
            default:
                throw BerthException.invalidArgument(
                        "unsupported layer media type \"%s\": want an OCI or Docker layer tar, plain, +gzip or +zstd",
                        mediaType);
        }
    }
}
