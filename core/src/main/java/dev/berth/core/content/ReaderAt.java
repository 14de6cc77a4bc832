package dev.berth.core.content;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * Random-access reads of one committed blob. Blobs are immutable, so reads at any offset from any thread see
 * the same bytes. Close it when done; a reader stays valid even if the blob is deleted meanwhile.
 */
public interface ReaderAt extends AutoCloseable {
    /** The blob's size in bytes. */
    long size();

    /**
     * Reads up to {@code dst.remaining()} bytes starting at {@code offset} into {@code dst}.
     *
     * @return the number of bytes read, or -1 when {@code offset >= size()}
     * @throws UncheckedIOException when the read fails
     */
    int readAt(ByteBuffer dst, long offset);

    /** The bytes from {@code offset} to the end as a stream; closing the stream does not close this reader. */
    default InputStream inputStream(long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("offset must be >= 0: " + offset);
        }
        return new InputStream() {
            private long pos = offset;

            @Override
            public int read() {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (len == 0) {
                    return 0;
                }
                int n = readAt(ByteBuffer.wrap(b, off, len), pos);
                if (n > 0) {
                    pos += n;
                }
                return n;
            }

            @Override
            public long skip(long n) {
                long k = Math.max(0, Math.min(n, size() - pos));
                pos += k;
                return k;
            }

            @Override
            public int available() {
                return (int) Math.min(Integer.MAX_VALUE, Math.max(0, size() - pos));
            }
        };
    }

    /** Reads the whole blob; for small blobs such as manifests and configs. */
    default byte[] readAll() throws IOException {
        if (size() > Integer.MAX_VALUE - 8) {
            throw new IOException("blob of " + size() + " bytes is too large to read into memory");
        }
        try (InputStream in = inputStream(0)) {
            return in.readAllBytes();
        }
    }

    @Override
    void close();
}
