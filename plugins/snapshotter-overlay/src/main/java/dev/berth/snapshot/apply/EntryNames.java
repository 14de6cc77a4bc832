package dev.berth.snapshot.apply;

import dev.berth.core.errdefs.BerthException;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Turns a tar entry name into a clean relative path inside the layer root, refusing what would leave it.
 *
 * <p>{@code .} and empty components are dropped and {@code ..} is resolved lexically, as containerd does; unlike
 * containerd, a {@code ..} that climbs above the root and an absolute name are refused rather than clamped, since
 * no well-formed layer contains either. Resolution is purely lexical: a {@code ..} never goes through a symlink,
 * because {@link ContainedTree} refuses symlinks in the parent path of every entry anyway.
 */
final class EntryNames {
    private EntryNames() {
    }

    /**
     * The cleaned path ({@code a/b/c}, or {@code ""} for the root itself).
     *
     * @param what how to name the value in an error, e.g. {@code entry "x"} or {@code link target of "x"}
     */
    static String clean(String name, String what) {
        if (name == null) {
            throw BerthException.invalidArgument("layer %s: missing name", what);
        }
        if (name.indexOf('\0') >= 0) {
            throw BerthException.invalidArgument("layer %s: name contains a NUL byte", what);
        }
        if (name.startsWith("/")) {
            throw BerthException.invalidArgument("layer %s: absolute name \"%s\" is not allowed in a layer", what, name);
        }
        Deque<String> parts = new ArrayDeque<>();
        int start = 0;
        while (start <= name.length()) {
            int slash = name.indexOf('/', start);
            int end = slash < 0 ? name.length() : slash;
            String part = name.substring(start, end);
            if (part.equals("..")) {
                if (parts.isEmpty()) {
                    throw BerthException.invalidArgument("layer %s: name \"%s\" escapes the layer root", what, name);
                }
                parts.removeLast();
            } else if (!part.isEmpty() && !part.equals(".")) {
                parts.addLast(part);
            }
            start = end + 1;
        }
        return String.join("/", parts);
    }

    /** The directory part of a clean path: {@code ""} for a top-level name. */
    static String parent(String clean) {
        int slash = clean.lastIndexOf('/');
        return slash < 0 ? "" : clean.substring(0, slash);
    }

    /** The last component of a clean path. */
    static String base(String clean) {
        return clean.substring(clean.lastIndexOf('/') + 1);
    }

    static String child(String dir, String name) {
        return dir.isEmpty() ? name : dir + "/" + name;
    }

    /** Whether {@code path} is {@code dir} or lies under it (both clean). */
    static boolean isWithin(String path, String dir) {
        return dir.isEmpty() || path.equals(dir) || path.startsWith(dir) && path.charAt(dir.length()) == '/';
    }
}
