package dev.berth.shim.runc;

import java.io.InputStream;
import java.io.InterruptedIOException;

/**
 * A byte ring between one writer thread and one reading stream. The writer blocks while it is full, so a slow reader
 * slows the source down instead of growing memory; once the reading side is closed (or the pipe aborted) writes are
 * dropped, so a reader that went away never stalls the writer.
 */
final class BoundedPipe {
    private final byte[] ring;
    private int head;
    private int count;
    private boolean finished;
    private boolean readerGone;

    BoundedPipe(int capacity) {
        this.ring = new byte[capacity];
    }

    /** Appends, blocking while full; drops the bytes once the reader is gone. */
    synchronized void write(byte[] b, int off, int len) throws InterruptedIOException {
        while (len > 0 && !readerGone) {
            while (count == ring.length && !readerGone) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while the reader is behind");
                }
            }
            if (readerGone) {
                return;
            }
            int tail = (head + count) % ring.length;
            int n = Math.min(len, Math.min(ring.length - count, ring.length - tail));
            System.arraycopy(b, off, ring, tail, n);
            count += n;
            off += n;
            len -= n;
            notifyAll();
        }
    }

    /** No more writes: the reader gets what is buffered, then end-of-file. */
    synchronized void finish() {
        finished = true;
        notifyAll();
    }

    /** Ends both sides now: buffered bytes are dropped, the reader gets end-of-file, a blocked writer returns. */
    synchronized void abort() {
        readerGone = true;
        finished = true;
        count = 0;
        notifyAll();
    }

    private synchronized int read(byte[] b, int off, int len) throws InterruptedIOException {
        if (len == 0) {
            return 0;
        }
        while (count == 0 && !finished && !readerGone) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for output");
            }
        }
        if (count == 0 || readerGone) {
            return -1;
        }
        int n = Math.min(len, Math.min(count, ring.length - head));
        System.arraycopy(ring, head, b, off, n);
        head = (head + n) % ring.length;
        count -= n;
        notifyAll();
        return n;
    }

    private synchronized int available() {
        return readerGone ? 0 : count;
    }

    /** The reading side; closing it drops whatever comes later. */
    InputStream input() {
        return new InputStream() {
            @Override
            public int read() throws InterruptedIOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws InterruptedIOException {
                java.util.Objects.checkFromIndexSize(off, len, b.length);
                return BoundedPipe.this.read(b, off, len);
            }

            @Override
            public int available() {
                return BoundedPipe.this.available();
            }

            @Override
            public void close() {
                abort();
            }
        };
    }
}
