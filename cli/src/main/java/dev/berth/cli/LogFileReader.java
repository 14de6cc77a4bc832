package dev.berth.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Reads a container log file by whole lines and keeps reading as it grows, across rotation: when the kubelet renames
 * the file and the runtime reopens a new one at the same path (ReopenContainerLog), the rest of the old file is read
 * first, then the new one from its start. A truncated file is read again from its start.
 */
final class LogFileReader implements AutoCloseable {
    private final Path path;
    private FileChannel ch;
    private Object fileKey;
    private final ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();

    LogFileReader(Path path) throws IOException {
        this.path = path;
        open();
    }

    private void open() throws IOException {
        ch = FileChannel.open(path, StandardOpenOption.READ);
        fileKey = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
    }

    /** Hands every complete line now in the file (newline stripped) to {@code sink}; returns how many. */
    int readAvailable(Consumer<String> sink) throws IOException {
        int n = drain(sink);
        if (rotated()) {
            n += drain(sink);
            ch.close();
            partial.reset();
            open();
            n += drain(sink);
        } else if (ch.position() > sizeAtPath()) {
            ch.position(0); // truncated in place
            partial.reset();
            n += drain(sink);
        }
        return n;
    }

    private long sizeAtPath() throws IOException {
        try {
            return Files.size(path);
        } catch (NoSuchFileException e) {
            return Long.MAX_VALUE; // renamed away and not yet reopened: not a truncation
        }
    }

    private boolean rotated() throws IOException {
        try {
            return !Objects.equals(fileKey, Files.readAttributes(path, BasicFileAttributes.class).fileKey());
        } catch (NoSuchFileException e) {
            return false; // wait for the new file
        }
    }

    private int drain(Consumer<String> sink) throws IOException {
        int lines = 0;
        while (true) {
            buf.clear();
            int r = ch.read(buf);
            if (r <= 0) {
                return lines;
            }
            byte[] a = buf.array();
            int start = 0;
            for (int i = 0; i < r; i++) {
                if (a[i] == '\n') {
                    partial.write(a, start, i - start);
                    sink.accept(partial.toString(StandardCharsets.UTF_8));
                    partial.reset();
                    lines++;
                    start = i + 1;
                }
            }
            partial.write(a, start, r - start);
        }
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }
}
