package dev.berth.shim.runc;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.runtime.StreamRequest;
import dev.berth.core.runtime.StreamSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connection to conmon's attach socket ({@code attach} in the bundle). conmon sends each chunk of the container's
 * output as one packet, a byte naming the stream (2 stdout, 3 stderr) and then the data, to every attached client;
 * the bytes a client sends are the container's stdin, and the client's end-of-file makes conmon close that stdin
 * unless the container was created with stdin_once false. conmon closes the socket when the container exits.
 *
 * <p>One reader thread splits the packets into the two streams. conmon blocks on a client that does not read, which
 * would stall the container's log, so output of streams not asked for (or whose reader closed them) is dropped.
 */
final class AttachSession implements StreamSession {
    private static final Logger LOG = LoggerFactory.getLogger(AttachSession.class);
    private static final byte STDOUT = 2;
    private static final byte STDERR = 3;
    /** conmon sends at most 8192 data bytes a packet; a larger buffer costs little and guards a future conmon. */
    private static final int PACKET_BUFFER = 32 * 1024 + 1;
    /** conmon reads at most this much of a packet; the rest would be lost. */
    private static final int MAX_STDIN_PACKET = 32 * 1024;
    private static final int STREAM_BUFFER = 256 * 1024;
    /** conmon may close the socket a moment before it writes the exit file. */
    private static final long EXIT_FILE_WAIT_MS = 2000;
    private static final long JOIN_MS = 5000;
    private final String id;
    private final SeqpacketSocket socket;
    private final ControlFifo control;
    private final Supplier<OptionalInt> exitCode;
    private final BoundedPipe out;
    private final BoundedPipe err;
    private final InputStream stdout;
    private final InputStream stderr;
    private final OutputStream stdin;
    private final Thread reader;
    private final Object sendLock = new Object();
    private final AtomicBoolean closed = new AtomicBoolean();
    private boolean stdinClosed;

    /**
     * @param control  resizes the container's terminal; null without one
     * @param exitCode the container's exit code once it exited, else empty
     */
    private AttachSession(String id, SeqpacketSocket socket, StreamRequest req, ControlFifo control,
                          Supplier<OptionalInt> exitCode) {
        this.id = id;
        this.socket = socket;
        this.control = control;
        this.exitCode = exitCode;
        this.out = req.stdout() ? new BoundedPipe(STREAM_BUFFER) : null;
        this.err = req.stderr() ? new BoundedPipe(STREAM_BUFFER) : null;
        this.stdout = out == null ? null : out.input();
        this.stderr = err == null ? null : err.input();
        this.stdin = req.stdin() ? new Stdin() : null;
        this.reader = new Thread(this::demultiplex, "berth-attach-" + id);
        reader.setDaemon(true);
    }

    /** Connects to the attach socket in {@code bundle}. */
    static AttachSession open(String id, Path bundle, StreamRequest req, ControlFifo control,
                              Supplier<OptionalInt> exitCode, Libc libc) {
        SeqpacketSocket s;
        try {
            s = SeqpacketSocket.connect(libc, bundle, "attach");
        } catch (IOException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, "cannot attach to container " + id + ": "
                    + e.getMessage(), e);
        }
        AttachSession session = new AttachSession(id, s, req, req.tty() ? control : null, exitCode);
        session.reader.start();
        return session;
    }

    private void demultiplex() {
        byte[] buf = new byte[PACKET_BUFFER];
        try {
            for (int n; (n = socket.receive(buf)) > 0; ) {
                BoundedPipe to = buf[0] == STDOUT ? out : buf[0] == STDERR ? err : null;
                if (to != null && n > 1) {
                    to.write(buf, 1, n - 1);
                }
            }
        } catch (IOException e) {
            if (!closed.get()) {
                LOG.debug("attach to {}: {}", id, e.getMessage());
            }
        } finally {
            if (out != null) {
                out.finish();
            }
            if (err != null) {
                err.finish();
            }
        }
    }

    @Override
    public OutputStream stdin() {
        return stdin;
    }

    @Override
    public InputStream stdout() {
        return stdout;
    }

    @Override
    public InputStream stderr() {
        return stderr;
    }

    @Override
    public void resize(int width, int height) {
        if (control == null || closed.get()) {
            return;
        }
        try {
            control.resize(width, height);
        } catch (BerthException e) {
            LOG.debug("attach to {}: resize failed: {}", id, e.getMessage());
        }
    }

    /** The container's exit code once conmon ended the attach, or -1 when the container still runs (detached). */
    @Override
    public int waitFor() throws InterruptedException {
        reader.join();
        OptionalInt code = exitCode.get();
        if (code.isEmpty() && !closed.get()) {
            // conmon ends an attach only when the container exits: give it the moment it takes to record that
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(EXIT_FILE_WAIT_MS);
            while (code.isEmpty() && System.nanoTime() - deadline < 0) {
                Thread.sleep(5);
                code = exitCode.get();
            }
        }
        return code.orElse(-1);
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        socket.shutdown(); // wakes the reader and a blocked stdin write
        if (out != null) {
            out.abort();
        }
        if (err != null) {
            err.abort();
        }
        try {
            reader.join(JOIN_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (reader.isAlive()) {
            // closing now could hand its fd number to someone else mid-read; leaking one fd is the lesser harm
            LOG.warn("attach to {}: reader thread did not stop; leaving its socket open", id);
            return;
        }
        synchronized (sendLock) {
            socket.close();
        }
    }

    /** The container's stdin: packets of at most what conmon reads at once; close sends end-of-file. */
    private final class Stdin extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            java.util.Objects.checkFromIndexSize(off, len, b.length);
            synchronized (sendLock) {
                if (closed.get() || stdinClosed) {
                    throw new IOException("stdin of the attach to container " + id + " is closed");
                }
                for (int done = 0; done < len; ) {
                    int n = Math.min(MAX_STDIN_PACKET, len - done);
                    socket.send(b, off + done, n);
                    done += n;
                }
            }
        }

        @Override
        public void close() throws IOException {
            synchronized (sendLock) {
                if (closed.get() || stdinClosed) {
                    return;
                }
                stdinClosed = true;
                socket.shutdownOutput();
            }
        }
    }
}
