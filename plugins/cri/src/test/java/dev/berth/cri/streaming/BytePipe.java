package dev.berth.cri.streaming;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;

/**
 * A bounded in-memory pipe between two threads, for fake sessions. Unlike java.io's piped streams it does not
 * break when a writer thread ends, which pool threads do.
 */
final class BytePipe {
    private final byte[] ring;
    private int head;
    private int size;
    private boolean writerClosed;
    private boolean readerClosed;

    BytePipe(int capacity) {
        this.ring = new byte[capacity];
    }

    final OutputStream out = new OutputStream() {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            synchronized (BytePipe.this) {
                while (len > 0) {
                    if (readerClosed || writerClosed) {
                        throw new IOException("pipe closed");
                    }
                    if (size == ring.length) {
                        waitABit();
                        continue;
                    }
                    int n = Math.min(len, ring.length - size);
                    for (int i = 0; i < n; i++) {
                        ring[(head + size + i) % ring.length] = b[off + i];
                    }
                    size += n;
                    off += n;
                    len -= n;
                    BytePipe.this.notifyAll();
                }
            }
        }

        @Override
        public void close() {
            synchronized (BytePipe.this) {
                writerClosed = true;
                BytePipe.this.notifyAll();
            }
        }
    };

    final InputStream in = new InputStream() {
        @Override
        public int read() throws IOException {
            byte[] b = new byte[1];
            return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            synchronized (BytePipe.this) {
                for (;;) {
                    if (readerClosed) {
                        throw new IOException("pipe closed");
                    }
                    if (size > 0) {
                        int n = Math.min(len, size);
                        for (int i = 0; i < n; i++) {
                            b[off + i] = ring[(head + i) % ring.length];
                        }
                        head = (head + n) % ring.length;
                        size -= n;
                        BytePipe.this.notifyAll();
                        return n;
                    }
                    if (writerClosed) {
                        return -1;
                    }
                    waitABit();
                }
            }
        }

        @Override
        public void close() {
            synchronized (BytePipe.this) {
                readerClosed = true;
                BytePipe.this.notifyAll();
            }
        }
    };

    /** Both ends closed: readers and writers fail. */
    synchronized void closeAll() {
        readerClosed = true;
        writerClosed = true;
        notifyAll();
    }

    private void waitABit() throws InterruptedIOException {
        try {
            wait(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException();
        }
    }
}
