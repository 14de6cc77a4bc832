package dev.berth.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Mount-table questions and mount/umount through helper processes (mount(2) from the JVM needs native code). */
public final class Mounts {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");
    private final ProcessRunner runner;

    public Mounts(ProcessRunner runner) {
        this.runner = runner;
    }

    /** Mount points of this mount namespace, unescaped. */
    public Set<Path> mountPoints() {
        Set<Path> out = new HashSet<>();
        try {
            for (String line : Files.readAllLines(MOUNTINFO)) {
                String[] f = line.split(" ");
                if (f.length > 4) {
                    out.add(Path.of(unescape(f[4])));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    public boolean isMountPoint(Path p) {
        return mountPoints().contains(p.toAbsolutePath().normalize());
    }

    /** Mounts a tmpfs of {@code sizeBytes} at {@code dir} with /dev/shm's usual flags. */
    public void mountShm(Path dir, long sizeBytes) {
        runner.check(List.of("mount", "-t", "tmpfs", "-o", "nosuid,nodev,noexec,mode=1777,size=" + sizeBytes,
                "shm", dir.toString()), TIMEOUT);
    }

    /** Unmounts every mount stacked on {@code p}; nothing to do when it is not a mount point. */
    public void unmountAll(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        for (int i = 0; i < 8 && isMountPoint(abs); i++) {
            runner.check(List.of("umount", abs.toString()), TIMEOUT);
        }
    }

    /** Unmounts {@code p} if mounted, then deletes it; absent is fine. */
    public void unmountAndDelete(Path p) {
        unmountAll(p);
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + p, e);
        }
    }

    /** Mountinfo escapes space, tab, newline and backslash as octal. */
    static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()) {
                try {
                    b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                    i += 3;
                    continue;
                } catch (NumberFormatException e) {
                    // not an escape: keep the backslash
                }
            }
            b.append(c);
        }
        return b.toString();
    }
}
