package dev.berth.shim.runc;

import dev.berth.core.errdefs.BerthException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * Resolves a relative path inside a directory tree as a process chrooted there would: a symlink's absolute target
 * starts again at the tree's root, and {@code ..} stops at it. So a link in an image can never lead to a host file,
 * whatever it points at. Only for trees nobody writes to while they are resolved (an image's read-only view): the
 * answer is a host path that is used after this returns.
 */
final class ScopedPath {
    /** As the kernel's MAXSYMLINKS. */
    static final int MAX_LINKS = 40;

    private ScopedPath() {
    }

    /**
     * {@code relative} inside {@code root}.
     *
     * @return the host path it names, every symlink on the way resolved; empty when it does not exist
     * @throws BerthException INVALID_ARGUMENT after more than {@value #MAX_LINKS} symlinks (a loop)
     */
    static Optional<Path> resolve(Path root, String relative) throws IOException {
        Deque<String> todo = new ArrayDeque<>(parts(relative));
        List<String> done = new ArrayList<>();
        int links = 0;
        while (!todo.isEmpty()) {
            String part = todo.pollFirst();
            if (part.equals("..")) {
                if (!done.isEmpty()) {
                    done.remove(done.size() - 1);
                }
                continue;
            }
            Path p = join(root, done).resolve(part);
            if (Files.isSymbolicLink(p)) {
                if (++links > MAX_LINKS) {
                    throw BerthException.invalidArgument("%s: more than %d symbolic links (a loop?)", relative, MAX_LINKS);
                }
                String target = Files.readSymbolicLink(p).toString();
                if (target.startsWith("/")) {
                    done.clear();
                }
                List<String> more = parts(target);
                for (int i = more.size() - 1; i >= 0; i--) {
                    todo.addFirst(more.get(i));
                }
            } else if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                done.add(part);
            } else {
                return Optional.empty();
            }
        }
        return Optional.of(join(root, done));
    }

    private static List<String> parts(String path) {
        List<String> out = new ArrayList<>();
        for (String s : path.split("/")) {
            if (!s.isEmpty() && !s.equals(".")) {
                out.add(s);
            }
        }
        return out;
    }

    private static Path join(Path root, List<String> parts) {
        Path p = root;
        for (String s : parts) {
            p = p.resolve(s);
        }
        return p;
    }
}
