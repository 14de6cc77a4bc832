package dev.berth.content;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import java.io.IOException;

/** Turns I/O failures into {@link BerthException}s: a full disk is RESOURCE_EXHAUSTED, anything else INTERNAL. */
final class IoErrors {
    private IoErrors() {
    }

    static BerthException of(String what, IOException e) {
        String msg = String.valueOf(e.getMessage());
        ErrorKind kind = msg.contains("No space left") || msg.contains("Disk quota exceeded")
                ? ErrorKind.RESOURCE_EXHAUSTED : ErrorKind.INTERNAL;
        return new BerthException(kind, what + ": " + e, e);
    }
}
