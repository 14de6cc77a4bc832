package dev.berth.content;

import dev.berth.core.content.ReaderAt;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/** Positional reads of a blob file; an open channel keeps working even after the blob is deleted. */
final class FileReaderAt implements ReaderAt {
    private final FileChannel channel;
    private final long size;

    FileReaderAt(FileChannel channel) throws IOException {
        this.channel = channel;
        this.size = channel.size();
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public int readAt(ByteBuffer dst, long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("offset must be >= 0: " + offset);
        }
        if (offset >= size) {
            return -1;
        }
        if (!dst.hasRemaining()) {
            return 0;
        }
        try {
            int total = 0;
            // fill dst as far as the blob goes, so callers need not loop for a short read
            while (dst.hasRemaining() && offset + total < size) {
                int n = channel.read(dst, offset + total);
                if (n < 0) {
                    break;
                }
                total += n;
            }
            return total == 0 ? -1 : total;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
