package dev.berth.snapshot.apply;

import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import dev.berth.core.diff.Compression;
import dev.berth.core.diff.LayerMediaTypes;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/** Opens the uncompressed tar stream of a layer blob. */
final class LayerStreams {
    private LayerStreams() {
    }

    /**
     * The decompressed stream of {@code layer}. The media type is checked for support; the compression itself is
     * taken from the magic bytes, which cannot be mislabelled (containerd does the same).
     *
     * @throws dev.berth.core.errdefs.BerthException INVALID_ARGUMENT for an unsupported media type
     */
    static InputStream open(InputStream layer, String mediaType, int bufferSize) throws IOException {
        LayerMediaTypes.declaredCompression(mediaType); // throws for an unsupported type
        BufferedInputStream in = new BufferedInputStream(layer, bufferSize);
        in.mark(Compression.MAGIC_LENGTH);
        byte[] head = in.readNBytes(Compression.MAGIC_LENGTH);
        in.reset();
        return switch (Compression.detect(head, head.length)) {
            case GZIP -> new GZIPInputStream(in, bufferSize);
            case ZSTD -> new BufferedInputStream(new ZstdInputStreamNoFinalizer(in), bufferSize);
            case NONE -> in;
        };
    }
}
