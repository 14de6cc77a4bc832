package dev.berth.snapshot.overlay;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import jnr.ffi.LibraryLoader;
import jnr.ffi.types.size_t;

/** {@code lsetxattr} for trusted.* attributes, which java.nio cannot set (it only does user.*). */
final class Xattrs {
    public interface LibC {
        int lsetxattr(String path, String name, byte[] value, @size_t long size, int flags);
    }

    private static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");

    private Xattrs() {
    }

    static void set(Path p, String name, String value) {
        byte[] v = value.getBytes(StandardCharsets.UTF_8);
        if (LIBC.lsetxattr(p.toString(), name, v, v.length, 0) != 0) {
            throw new IllegalStateException("lsetxattr " + name + " on " + p + " failed");
        }
    }
}
