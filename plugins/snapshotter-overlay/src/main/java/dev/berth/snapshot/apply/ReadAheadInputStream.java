package dev.berth.snapshot.apply;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Reads a source stream on its own thread, a few chunks ahead of the consumer. Unpacking a layer is
 * decompress-and-hash followed by many small file writes; overlapping the two is what {@code tar -xzf} gets from
 * running {@code gzip} as a separate process, and it is worth about a third of the wall time on a real disk.
 *
 * <p>The producer thread owns {@code source}: it reads it, closes it when done, and stops early when this stream is
 * closed. A source failure is rethrown to the consumer where the data would have been.
 */
final class ReadAheadInputStream extends InputStream {
    private static final long CLOSE_WAIT_MILLIS = 30_000;

    private record Chunk(byte[] data, int length, IOException failure) {
        static final Chunk END = new Chunk(new byte[0], -1, null);
    }

    private final BlockingQueue<Chunk> ready;
    private final BlockingQueue<byte[]> free;
    private final Thread producer;
    private volatile boolean closed;
    private Chunk current;
    private int pos;
    private boolean atEnd;

    ReadAheadInputStream(InputStream source, int chunkSize, int depth, String threadName) {
        this.ready = new ArrayBlockingQueue<>(depth + 1); // + the end marker or a failure
        this.free = new ArrayBlockingQueue<>(depth + 2);
        this.producer = new Thread(() -> produce(source, chunkSize), threadName);
        producer.setDaemon(true);
        producer.start();
    }

    private void produce(InputStream source, int chunkSize) {
        try (source) {
            while (!closed) {
                byte[] buf = free.poll();
                if (buf == null) {
                    buf = new byte[chunkSize];
                }
                int n = source.readNBytes(buf, 0, buf.length);
                if (n > 0) {
                    ready.put(new Chunk(buf, n, null));
                }
                if (n < buf.length) {
                    ready.put(Chunk.END);
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // only a daemon shutdown interrupts this thread
        } catch (IOException e) {
            offerFailure(e);
        } catch (RuntimeException e) {
            offerFailure(new IOException(e.toString(), e));
        }
    }

    private void offerFailure(IOException e) {
        try {
            ready.put(new Chunk(null, -1, e));
        } catch (InterruptedException ignored) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean fill() throws IOException {
        if (atEnd) {
            return false;
        }
        if (current != null && pos < current.length()) {
            return true;
        }
        if (current != null && current.data().length > 0) {
            free.offer(current.data());
        }
        Chunk next;
        try {
            next = ready.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading the layer");
        }
        if (next.failure() != null) {
            atEnd = true;
            throw new IOException(next.failure().getMessage(), next.failure());
        }
        if (next == Chunk.END) {
            atEnd = true;
            current = null;
            return false;
        }
        current = next;
        pos = 0;
        return true;
    }

    @Override
    public int read() throws IOException {
        if (!fill()) {
            return -1;
        }
        return current.data()[pos++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (!fill()) {
            return -1;
        }
        int n = Math.min(len, current.length() - pos);
        System.arraycopy(current.data(), pos, b, off, n);
        pos += n;
        return n;
    }

    @Override
    public int available() {
        return current == null ? 0 : current.length() - pos;
    }

    /**
     * Stops the producer (if still running) and waits a bounded time for it to close the source. It is not
     * interrupted: an interrupt during a read from a {@code FileChannel}-backed stream would close the caller's
     * channel. Emptying the queue unblocks it, and it checks {@code closed} before every read.
     */
    @Override
    public void close() {
        closed = true;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_WAIT_MILLIS);
        try {
            while (producer.isAlive() && System.nanoTime() < deadline) {
                ready.clear();
                producer.join(10);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
