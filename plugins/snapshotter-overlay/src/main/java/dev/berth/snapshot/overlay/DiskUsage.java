package dev.berth.snapshot.overlay;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.snapshot.Usage;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.Set;
import jnr.posix.FileStat;
import java.util.function.Supplier;
import jnr.posix.POSIX;

/**
 * Measures a directory tree like {@code du}: allocated blocks, and inodes, each hard-linked inode counted once.
 * Needs {@code st_blocks}, which java.nio does not expose, hence jnr-posix.
 */
final class DiskUsage {
    private static final int ENOENT = 2;
    /** jnr-posix's native binding costs ~0.3 s to set up: made on the first measurement, not at berthd start. */
    private final Supplier<POSIX> posixFactory;
    private volatile POSIX posix;

    DiskUsage(Supplier<POSIX> posixFactory) {
        this.posixFactory = posixFactory;
    }

    private POSIX posix() {
        POSIX p = posix;
        if (p == null) {
            synchronized (this) {
                if (posix == null) {
                    posix = posixFactory.get();
                }
                p = posix;
            }
        }
        return p;
    }

    Usage measure(Path dir) {
        long[] totals = new long[2]; // bytes, inodes
        Set<InodeKey> linked = new HashSet<>();
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                    count(d);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
                    count(f);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path f, IOException e) throws IOException {
                    if (e instanceof NoSuchFileException) {
                        return FileVisitResult.CONTINUE; // removed while we walk (a running container)
                    }
                    throw e;
                }

                private void count(Path p) {
                    POSIX posix = posix();
                    FileStat st = posix.allocateStat();
                    if (posix.lstat(p.toString(), st) != 0) {
                        int errno = posix.errno();
                        if (errno == ENOENT) {
                            return;
                        }
                        throw new BerthException(ErrorKind.INTERNAL, "usage: lstat " + p + " failed, errno " + errno);
                    }
                    if (!st.isDirectory() && st.nlink() > 1 && !linked.add(new InodeKey(st.dev(), st.ino()))) {
                        return;
                    }
                    totals[0] += st.blocks() * 512;
                    totals[1]++;
                }
            });
        } catch (NoSuchFileException e) {
            throw BerthException.notFound("snapshot directory %s is gone", dir);
        } catch (IOException e) {
            throw new BerthException(ErrorKind.INTERNAL, "usage of " + dir + ": " + e, e);
        }
        return new Usage(totals[0], totals[1]);
    }

    private record InodeKey(long dev, long ino) {
    }
}
