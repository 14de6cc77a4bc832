package dev.berth.shim.runc.spec;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * Reads files of a container's root filesystem as the container would see them: symlinks are followed inside the
 * rootfs (an absolute link target means the rootfs' root), so an image cannot make the daemon read host files such
 * as the host's /etc/shadow by shipping {@code /etc/passwd -> /etc/shadow}.
 */
final class RootfsFiles {
    private static final int MAX_LINKS = 40;
    private static final long MAX_BYTES = 16 << 20;

    private final Path root;

    RootfsFiles(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** The lines of {@code containerPath}, or empty when it does not exist in the rootfs (or is not a regular file). */
    Optional<List<String>> readLines(String containerPath) throws IOException {
        Optional<Path> file = resolve(containerPath);
        if (file.isEmpty() || !Files.isRegularFile(file.get(), LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        try (InputStream in = Files.newInputStream(file.get(), LinkOption.NOFOLLOW_LINKS)) {
            byte[] bytes = in.readNBytes((int) MAX_BYTES);
            return Optional.of(new String(bytes, StandardCharsets.UTF_8).lines().toList());
        }
    }

    /**
     * The host path of {@code containerPath} with every symlink resolved within the rootfs, or empty when a component
     * is missing or links loop.
     */
    Optional<Path> resolve(String containerPath) throws IOException {
        Deque<String> todo = new ArrayDeque<>(components(containerPath));
        Deque<String> done = new ArrayDeque<>();
        int links = 0;
        while (!todo.isEmpty()) {
            String part = todo.pollFirst();
            if (part.equals("..")) {
                done.pollLast(); // ".." at the root stays at the root, as in the kernel
                continue;
            }
            Path candidate = join(done).resolve(part);
            if (Files.isSymbolicLink(candidate)) {
                if (++links > MAX_LINKS) {
                    return Optional.empty();
                }
                String target = Files.readSymbolicLink(candidate).toString();
                if (target.startsWith("/")) {
                    done.clear();
                }
                List<String> targetParts = components(target);
                for (int i = targetParts.size() - 1; i >= 0; i--) {
                    todo.addFirst(targetParts.get(i));
                }
                continue;
            }
            if (!Files.exists(candidate, LinkOption.NOFOLLOW_LINKS)) {
                return Optional.empty();
            }
            done.addLast(part);
        }
        return Optional.of(join(done));
    }

    private Path join(Deque<String> parts) {
        Path p = root;
        for (String part : parts) {
            p = p.resolve(part);
        }
        return p;
    }

    private static List<String> components(String path) {
        return Arrays.stream(path.split("/")).filter(s -> !s.isEmpty() && !s.equals(".")).toList();
    }
}
