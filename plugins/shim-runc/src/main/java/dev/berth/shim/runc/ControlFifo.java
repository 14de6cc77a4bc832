package dev.berth.shim.runc;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * conmon's control FIFO ({@code ctl} in the bundle): one line per command, {@code "<type> <height> <width>\n"}, type
 * 1 resizing the container's terminal and 2 reopening the log file. The FIFO is opened non-blocking: a live conmon
 * always holds its read end, so ENXIO (no reader) means conmon is gone, and a command never hangs the caller.
 */
final class ControlFifo {
    private static final int RESIZE = 1;
    private static final int REOPEN_LOG = 2;
    private final Libc libc;
    private final Path fifo;
    private final String id;

    ControlFifo(Libc libc, Path fifo, String id) {
        this.libc = libc;
        this.fifo = fifo;
        this.id = id;
    }

    void reopenLog() {
        send(REOPEN_LOG, 0, 0);
    }

    /** Resizes the terminal of a container created with tty; conmon ignores it for one without. */
    void resize(int width, int height) {
        send(RESIZE, Math.max(0, height), Math.max(0, width));
    }

    private void send(int type, int height, int width) {
        // shorter than PIPE_BUF: written whole or not at all, never interleaved with another writer's line
        byte[] line = (type + " " + height + " " + width + "\n").getBytes(StandardCharsets.US_ASCII);
        Libc.Calls c = libc.calls();
        int fd = c.open(Libc.cPath(fifo.toString()), Libc.O_WRONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC);
        if (fd < 0) {
            int errno = libc.errno();
            if (errno == Libc.ENXIO) {
                throw new BerthException(ErrorKind.UNAVAILABLE, "conmon of container " + id
                        + " does not read its control pipe");
            }
            throw internal(Libc.failure("open " + fifo, errno));
        }
        try {
            long n = c.write(fd, line, line.length);
            if (n != line.length) {
                int errno = libc.errno();
                if (n < 0 && errno == Libc.EAGAIN) {
                    throw new BerthException(ErrorKind.UNAVAILABLE, "conmon of container " + id
                            + " does not drain its control pipe");
                }
                throw internal(n < 0 ? Libc.failure("write to " + fifo, errno)
                        : new IOException("short write to " + fifo));
            }
        } finally {
            c.close(fd);
        }
    }

    private BerthException internal(IOException e) {
        return new BerthException(ErrorKind.INTERNAL, "cannot control conmon of container " + id + ": "
                + e.getMessage(), e);
    }
}
