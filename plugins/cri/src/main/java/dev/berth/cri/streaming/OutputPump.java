package dev.berth.cri.streaming;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies a blocking source (a process's stdout or stderr, a pod socket) to the client until the source ends, then
 * finishes the client's stream. Runs on a worker thread; waits whenever the connection is not writable, so at most
 * one chunk per pump is in memory beyond the channel's write buffer.
 */
final class OutputPump {
    /** Largest DATA frame or WebSocket message sent: big enough for throughput, small enough to interleave streams. */
    static final int CHUNK = 32 * 1024;
    private static final int MAX_EMPTY_READS = 1000;
    private static final Logger LOG = LoggerFactory.getLogger(OutputPump.class);

    /** A blocking read: at least one byte, or -1 at the end. */
    @FunctionalInterface
    interface Source {
        int read(byte[] b, int off, int len) throws IOException;
    }

    private final Source source;
    private final OutboundStream out;

    OutputPump(Source source, OutboundStream out) {
        this.source = source;
        this.out = out;
    }

    static Source of(InputStream in) {
        return in::read;
    }

    static Source of(SocketChannel socket) {
        return (b, off, len) -> socket.read(ByteBuffer.wrap(b, off, len));
    }

    /**
     * Runs until the source ends or fails (a closed session or socket counts as the end).
     *
     * @return the bytes read from the source
     */
    long run() {
        // Read into one reused array and copy out exactly what was read: a pooled 32 KiB buffer per read would make
        // a trickle of tiny writes hold far more memory than the write buffer's byte count admits.
        byte[] chunk = new byte[CHUNK];
        long total = 0;
        boolean delivering = true;
        int empty = 0;
        try {
            for (;;) {
                int n = source.read(chunk, 0, chunk.length);
                if (n < 0) {
                    break;
                }
                if (n == 0) {
                    // A blocking source never returns nothing; one that keeps doing so is broken, not slow.
                    if (++empty > MAX_EMPTY_READS) {
                        LOG.warn("output source keeps returning no data; ending the stream");
                        break;
                    }
                    continue;
                }
                empty = 0;
                total += n;
                if (delivering) {
                    ByteBuf buf = out.alloc().buffer(n, n);
                    buf.writeBytes(chunk, 0, n);
                    // The client dropped this stream but the source keeps going: keep reading so the process is not
                    // blocked on a full pipe; its output has nowhere to go.
                    delivering = out.write(buf);
                }
            }
        } catch (IOException e) {
            LOG.debug("output source ended: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        out.finish();
        return total;
    }
}
