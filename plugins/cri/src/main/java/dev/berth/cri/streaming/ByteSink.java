package dev.berth.cri.streaming;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.SocketChannel;

/** The blocking end of an {@link InboundPipe}: where the client's bytes go. Used by one worker thread at a time. */
interface ByteSink {
    /** Writes all readable bytes of {@code data}, blocking as long as it takes; does not release it. */
    void write(ByteBuf data) throws IOException;

    /** The client sent its last byte. */
    void close() throws IOException;

    /** A process's stdin: closing it gives the process end-of-file. */
    static ByteSink of(OutputStream out) {
        return new ByteSink() {
            @Override
            public void write(ByteBuf data) throws IOException {
                data.getBytes(data.readerIndex(), out, data.readableBytes());
                // Interactive input (a shell's keystrokes) must reach the process now, not when a buffer fills.
                out.flush();
            }

            @Override
            public void close() throws IOException {
                out.close();
            }
        };
    }

    /**
     * A connection into the pod: closing only shuts down our sending side, so the pod still answers a client that
     * said it is done (an HTTP/1.0 request, {@code nc -q}).
     */
    static ByteSink of(SocketChannel socket) {
        return new ByteSink() {
            @Override
            public void write(ByteBuf data) throws IOException {
                int index = data.readerIndex();
                int end = data.writerIndex();
                // A blocking channel writes everything; the loop guards against partial writes all the same.
                while (index < end) {
                    index += data.getBytes(index, socket, end - index);
                }
            }

            @Override
            public void close() throws IOException {
                socket.shutdownOutput();
            }
        };
    }
}
