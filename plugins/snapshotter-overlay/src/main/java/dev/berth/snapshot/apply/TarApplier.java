package dev.berth.snapshot.apply;

import dev.berth.core.content.Digest;
import dev.berth.core.content.NativeDigests;
import dev.berth.core.diff.Applier;
import dev.berth.core.diff.ApplyOptions;
import dev.berth.core.diff.ApplyResult;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The built-in {@link Applier}: streams a tar, gzip or zstd layer into a snapshot directory in one pass, hashing the
 * uncompressed bytes for the diff id on the way. Whiteouts follow the OCI image-spec layer rules, written in the
 * {@link dev.berth.core.diff.WhiteoutStyle} the caller asks for. Containment is enforced by {@link EntryNames}
 * (lexical) and {@link ContainedTree} (no symlink in any parent path).
 *
 * <p>Thread-safe: each call has its own state and buffer.
 */
public final class TarApplier implements Applier {
    /** Read/write chunk: large enough that syscalls and inflate calls do not dominate, small enough to stay in L2. */
    static final int BUFFER_SIZE = 256 * 1024;
    /** Chunks decompressed ahead of the writer: 1 MiB in flight smooths out slow metadata writes. */
    static final int READ_AHEAD_CHUNKS = 4;

    /** Binding libc through jnr-ffi takes ~0.1 s: done on the first apply, not at berthd start. */
    private final Supplier<NativeFs> fsFactory;
    private volatile NativeFs fs;

    public TarApplier() {
        this.fsFactory = NativeFs::new;
    }

    TarApplier(NativeFs fs) {
        this.fsFactory = () -> fs;
    }

    private NativeFs fs() {
        NativeFs f = fs;
        if (f == null) {
            synchronized (this) {
                if (fs == null) {
                    fs = fsFactory.get();
                }
                f = fs;
            }
        }
        return f;
    }

    @Override
    public ApplyResult apply(InputStream layer, String mediaType, Path target, ApplyOptions options) {
        Objects.requireNonNull(layer, "layer");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(options, "options");
        Path root = realDirectory(target);
        try {
            HashingInputStream hashed = new HashingInputStream(open(layer, mediaType),
                    NativeDigests.forIngest(Digest.SHA256, -1)); // a layer is large: the native digest when present
            // decompression and hashing run a few chunks ahead on their own thread, overlapping the file writes;
            // that thread closes the decompressor
            try (ReadAheadInputStream ahead = new ReadAheadInputStream(hashed, BUFFER_SIZE, READ_AHEAD_CHUNKS,
                    "berth-layer-read")) {
                // headers arrive in 512-byte reads: keep those off the queue's per-read overhead
                LayerTarInputStream tar = new LayerTarInputStream(new BufferedInputStream(ahead, 64 * 1024));
                long entries = new LayerUnpacker(fs(), options, root, new byte[BUFFER_SIZE]).unpack(tar);
                drain(tar);
                // the end of the read-ahead stream happens-after the producer's last digest update
                return new ApplyResult(Digest.fromMessageDigest(Digest.SHA256, hashed.finish()), hashed.count(),
                        entries);
            }
        } catch (LayerReadException e) {
            throw readFailure(mediaType, e.getCause());
        }
    }

    private static Path realDirectory(Path target) {
        if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            throw BerthException.invalidArgument("apply target %s is not a directory", target);
        }
        try {
            return target.toRealPath();
        } catch (IOException e) {
            throw new BerthException(ErrorKind.INTERNAL, "apply target " + target + ": " + e, e);
        }
    }

    private static InputStream open(InputStream layer, String mediaType) {
        try {
            return LayerStreams.open(SourceFailure.tagging(layer), mediaType, BUFFER_SIZE);
        } catch (IOException e) {
            throw new LayerReadException(e);
        }
    }

    /**
     * Reads what follows the end-of-archive marker, so the diff id covers the whole stream and gzip/zstd check
     * their trailers (a truncated stream fails here even when the tar itself looked complete).
     */
    private static void drain(LayerTarInputStream tar) {
        try {
            InputStream underlying = tar.source();
            byte[] scratch = new byte[64 * 1024];
            while (underlying.read(scratch) >= 0) {
                // discard: the hashing stream below has seen the bytes
            }
        } catch (IOException e) {
            throw new LayerReadException(e);
        }
    }

    private static BerthException readFailure(String mediaType, IOException e) {
        if (SourceFailure.isIn(e)) {
            return new BerthException(ErrorKind.INTERNAL, "reading the layer stream failed: " + e.getMessage(), e);
        }
        return new BerthException(ErrorKind.INVALID_ARGUMENT,
                "corrupt or truncated layer (media type " + mediaType + "): " + e, e);
    }
}
