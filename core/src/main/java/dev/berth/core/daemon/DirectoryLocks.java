package dev.berth.core.daemon;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One daemon per root and state directory: an exclusive lock on {@code <dir>/berthd.lock} of each, taken before any
 * plugin starts and held for the daemon's life (the kernel drops it when the process dies, even by SIGKILL). A second
 * berthd on the same directories would otherwise run its plugins' recovery against the first one's live containers.
 */
final class DirectoryLocks implements AutoCloseable {
    static final String FILE = "berthd.lock";

    private final List<FileChannel> held;

    private DirectoryLocks(List<FileChannel> held) {
        this.held = held;
    }

    /** @throws IOException naming the directory (and the holder's pid) when another daemon holds one of them */
    static DirectoryLocks acquire(Path... dirs) throws IOException {
        Set<Path> distinct = new LinkedHashSet<>(); // by real path: root and state may be one directory, or link to it
        for (Path d : dirs) {
            distinct.add(Files.createDirectories(d).toRealPath());
        }
        List<FileChannel> held = new ArrayList<>();
        try {
            for (Path dir : distinct) {
                held.add(lock(dir));
            }
        } catch (IOException | RuntimeException e) {
            new DirectoryLocks(held).close();
            throw e;
        }
        return new DirectoryLocks(held);
    }

    private static FileChannel lock(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                throw new IOException("this process already runs a daemon on " + dir, e);
            }
            if (lock == null) {
                String holder = new String(Files.readAllBytes(file), StandardCharsets.US_ASCII).strip();
                throw new IOException("another berthd" + (holder.isEmpty() ? "" : " (pid " + holder + ")") + " is using "
                        + dir + "; stop it first or give this one another root and state");
            }
            ch.truncate(0);
            ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
            return ch;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Releases the locks (a stopping daemon; the file stays). */
    @Override
    public void close() {
        for (FileChannel ch : held) {
            try {
                ch.close();
            } catch (IOException e) {
                // closing a lock file cannot lose anything
            }
        }
    }
}
