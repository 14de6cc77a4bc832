package dev.berth.snapshot.apply;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Marks I/O errors of the caller's layer stream itself (a content-store or network read), so they are reported as
 * such instead of as a corrupt layer.
 */
final class SourceFailure extends IOException {
    private static final long serialVersionUID = 1L;

    SourceFailure(IOException cause) {
        super(cause.getMessage(), cause);
    }

    /** Wraps {@code in} so each of its IOExceptions arrives as a SourceFailure. */
    static InputStream tagging(InputStream in) {
        return new FilterInputStream(in) {
            @Override
            public int read() throws IOException {
                try {
                    return in.read();
                } catch (IOException e) {
                    throw new SourceFailure(e);
                }
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                try {
                    return in.read(b, off, len);
                } catch (IOException e) {
                    throw new SourceFailure(e);
                }
            }

            @Override
            public long skip(long n) throws IOException {
                try {
                    return in.skip(n);
                } catch (IOException e) {
                    throw new SourceFailure(e);
                }
            }

            @Override
            public void close() {
                // the caller owns the layer stream
            }
        };
    }

    /** Whether {@code e} or one of its causes is a SourceFailure. */
    static boolean isIn(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SourceFailure) {
                return true;
            }
        }
        return false;
    }
}
