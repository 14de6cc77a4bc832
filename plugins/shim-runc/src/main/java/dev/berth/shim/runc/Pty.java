package dev.berth.shim.runc;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A pseudo-terminal pair to serve as {@code runc exec -t}'s host console. runc copies the container's terminal to
 * its own stdin and stdout and only uses the host console for its size, so nothing reads the master while the
 * session runs: it is kept to set the size, and read once at the end for what runc itself wrote to its stderr (the
 * slave), such as why the command could not start.
 *
 * <p>The master is opened non-blocking and close-on-exec; the JVM never opens the slave except to hand it to runc
 * write-only, which never makes it the JVM's controlling terminal (Linux gives a controlling terminal only to a
 * session leader opening a tty for reading).
 */
final class Pty implements AutoCloseable {
    private static final long TIOCSWINSZ = 0x5414;
    private static final int S_IFMT = 0170000;
    private static final int S_IFCHR = 0020000;
    /** Unix98 pty slaves are character devices with majors 136 to 143. */
    private static final long PTY_SLAVE_MAJOR_FIRST = 136;
    private static final long PTY_SLAVE_MAJOR_LAST = 143;
    /** runc's own complaints are a few lines; more would be the container's output, which went to stdout. */
    private static final int MAX_LEFTOVER = 64 * 1024;
    private final Libc libc;
    private final String slavePath;
    private int master;
    /** struct winsize as last set: rows, cols, xpixel, ypixel; all zero until the first resize. */
    private final short[] winsize = new short[4];

    private Pty(Libc libc, int master, String slavePath) {
        this.libc = libc;
        this.master = master;
        this.slavePath = slavePath;
    }

    static Pty open(Libc libc) throws IOException {
        Libc.Calls c = libc.calls();
        int fd = c.posix_openpt(Libc.O_RDWR | Libc.O_NOCTTY | Libc.O_NONBLOCK | Libc.O_CLOEXEC);
        if (fd < 0) {
            throw libc.failure("posix_openpt");
        }
        try {
            if (c.grantpt(fd) < 0) {
                throw libc.failure("grantpt");
            }
            if (c.unlockpt(fd) < 0) {
                throw libc.failure("unlockpt");
            }
            byte[] name = new byte[128];
            int rc = c.ptsname_r(fd, name, name.length);
            if (rc != 0) {
                throw Libc.failure("ptsname_r", rc); // it returns the error number rather than setting errno
            }
            int len = 0;
            while (len < name.length && name[len] != 0) {
                len++;
            }
            return new Pty(libc, fd, new String(name, 0, len, StandardCharsets.US_ASCII));
        } catch (IOException | RuntimeException e) {
            c.close(fd);
            throw e;
        }
    }

    /** The slave's path, e.g. /dev/pts/3. */
    String slavePath() {
        return slavePath;
    }

    /** Sets the terminal size (values beyond an unsigned short are clamped); nothing once closed. */
    synchronized void resize(int columns, int rows) throws IOException {
        if (master < 0) {
            return;
        }
        winsize[0] = clamp(rows);
        winsize[1] = clamp(columns);
        if (libc.calls().ioctl(master, TIOCSWINSZ, winsize) < 0) {
            throw libc.failure("ioctl(TIOCSWINSZ) on the pty master");
        }
    }

    /**
     * Gives the terminal of process {@code pid} (the first of its stdin, stdout, stderr that is a pty slave) the size
     * last set here, directly rather than through runc.
     *
     * @return false when no size was set yet, or none of those fds is a pty
     */
    synchronized boolean copySizeTo(long pid) {
        if (master < 0 || (winsize[0] == 0 && winsize[1] == 0)) {
            return false;
        }
        for (int n = 0; n <= 2; n++) {
            Path fd = Path.of("/proc", Long.toString(pid), "fd", Integer.toString(n));
            // stat first: opening whatever the process holds could have side effects, a terminal's open has none
            if (!isPtySlave(fd)) {
                continue;
            }
            int tty = libc.calls().open(Libc.cPath(fd.toString()),
                    Libc.O_WRONLY | Libc.O_NOCTTY | Libc.O_NONBLOCK | Libc.O_CLOEXEC);
            if (tty < 0) {
                continue;
            }
            try {
                if (libc.calls().ioctl(tty, TIOCSWINSZ, winsize) == 0) {
                    return true;
                }
            } finally {
                libc.calls().close(tty);
            }
        }
        return false;
    }

    private static boolean isPtySlave(Path fd) {
        try {
            Map<String, Object> st = Files.readAttributes(fd, "unix:mode,rdev");
            int mode = (Integer) st.get("mode");
            long rdev = (Long) st.get("rdev");
            long major = ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL); // glibc's gnu_dev_major
            return (mode & S_IFMT) == S_IFCHR && major >= PTY_SLAVE_MAJOR_FIRST && major <= PTY_SLAVE_MAJOR_LAST;
        } catch (IOException | RuntimeException e) {
            return false; // gone, or not a file the JDK can stat
        }
    }

    /**
     * What was written to the slave and not read yet, without blocking; empty once closed. Call it after the slave's
     * holders are gone, or it returns only what has arrived so far.
     */
    synchronized byte[] drain() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        while (master >= 0 && out.size() < MAX_LEFTOVER) {
            long n = libc.calls().read(master, buf, buf.length);
            if (n > 0) {
                out.write(buf, 0, (int) n);
            } else if (n == 0 || libc.errno() != Libc.EINTR) {
                break; // EAGAIN: nothing more; EIO: no slave open and nothing left
            }
        }
        return out.toByteArray();
    }

    @Override
    public synchronized void close() {
        libc.closeQuietly(master);
        master = -1;
    }

    private static short clamp(int v) {
        return (short) Math.max(0, Math.min(0xffff, v));
    }
}
