package dev.berth.snapshot.apply;

import java.io.IOException;

/** An I/O error while reading the layer (decompression, tar parsing, or the source), as opposed to writing the tree. */
final class LayerReadException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    LayerReadException(IOException cause) {
        super(cause.getMessage(), cause);
    }

    @Override
    public synchronized IOException getCause() {
        return (IOException) super.getCause();
    }
}
