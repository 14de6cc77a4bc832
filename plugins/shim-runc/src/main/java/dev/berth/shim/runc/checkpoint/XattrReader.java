package dev.berth.shim.runc.checkpoint;

import java.io.IOException;
import java.nio.file.Path;

/** Reads one extended attribute of a file itself (not a symlink's target), in any namespace, trusted.* included. */
@FunctionalInterface
public interface XattrReader {
    /** The attribute's value, or null when the file has none. */
    byte[] get(Path path, String name) throws IOException;
}
