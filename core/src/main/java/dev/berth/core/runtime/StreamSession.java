package dev.berth.core.runtime;

import java.io.InputStream;
import java.io.OutputStream;

/**
 * A live connection to a container process's stdio: an exec'd command, or the container's own process (attach).
 * Streams not asked for in the {@link StreamRequest} are null. The streams block; each is used by one thread.
 *
 * <p>Whoever opens a session must {@link #close()} it, also when the client went away: that frees every fd and
 * thread it holds, and kills an exec'd process that still runs.
 */
public interface StreamSession extends AutoCloseable {
    /** The process's stdin; closing it gives the process end-of-file (attach: only for stdin_once containers). */
    OutputStream stdin();

    /** The process's stdout (with a terminal: the terminal's output); ends when the process or the attach ends. */
    InputStream stdout();

    /** The process's stderr; null with a terminal. */
    InputStream stderr();

    /** Sets the terminal's size in characters; does nothing without a terminal. */
    void resize(int width, int height);

    /**
     * Blocks until the process has ended and its output has been read to the end.
     *
     * @return exec: the command's exit code; attach: the container's exit code, or -1 when the attach ended while
     *         the container still runs
     */
    int waitFor() throws InterruptedException;

    /** Ends the session; see the class comment. Safe to call more than once. */
    @Override
    void close();
}
