package dev.berth.shim.runc;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.util.Arrays;
import jnr.constants.platform.Errno;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.annotations.Variadic;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/**
 * The libc calls streaming needs and the JDK lacks: pseudo-terminals, SOCK_SEQPACKET unix sockets, non-blocking
 * FIFO opens and signals other than TERM and KILL; and, for checkpoints, extended attributes outside {@code user.*}. Binding costs tens of milliseconds, so a shim loads it once and
 * hands it to the classes that use it. Constants are Linux's generic ones (x86_64, arm64).
 */
final class Libc {
    static final int O_WRONLY = 01;
    static final int O_RDWR = 02;
    static final int O_NOCTTY = 0400;
    static final int O_NONBLOCK = 04000;
    static final int O_CLOEXEC = 02000000;
    static final int O_PATH = 010000000;
    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int ENXIO = 6;
    static final int ERANGE = 34;
    static final int ENODATA = 61;
    static final int ENOTSUP = 95;
    static final int SIGWINCH = 28;

    /** The functions; each saves errno. */
    public interface Calls {
        @SaveError
        int posix_openpt(int flags);

        @SaveError
        int grantpt(int fd);

        @SaveError
        int unlockpt(int fd);

        @SaveError
        int ptsname_r(int fd, @Out byte[] buf, @size_t long len);

        /** Only for requests whose argument is a pointer to shorts (TIOCSWINSZ). */
        @SaveError
        @Variadic(fixedCount = 2)
        int ioctl(int fd, long request, @In short[] arg);

        @SaveError
        int open(@In byte[] path, int flags);

        @SaveError
        int close(int fd);

        @SaveError
        int kill(int pid, int sig);

        @SaveError
        int socket(int domain, int type, int protocol);

        @SaveError
        int connect(int fd, @In byte[] addr, int len);

        @SaveError
        int shutdown(int fd, int how);

        @SaveError
        @ssize_t
        long read(int fd, @Out byte[] buf, @size_t long count);

        @SaveError
        @ssize_t
        long write(int fd, @In byte[] buf, @size_t long count);

        @SaveError
        @ssize_t
        long send(int fd, @In byte[] buf, @size_t long len, int flags);

        @SaveError
        @ssize_t
        long lgetxattr(@In byte[] path, @In byte[] name, @Out byte[] value, @size_t long size);
    }

    private static final Charset PATH_CHARSET = pathCharset();
    private final Calls calls;
    private final Runtime runtime;

    private Libc(Calls calls) {
        this.calls = calls;
        this.runtime = Runtime.getRuntime(calls);
    }

    static Libc load() {
        return new Libc(LibraryLoader.create(Calls.class).load("c"));
    }

    Calls calls() {
        return calls;
    }

    /** errno of this thread's last failed call. */
    int errno() {
        return runtime.getLastError();
    }

    /** An IOException for the last failed call, naming it and errno. */
    IOException failure(String what) {
        return failure(what, errno());
    }

    static IOException failure(String what, int errno) {
        return new IOException(what + ": " + describe(errno));
    }

    static String describe(int errno) {
        Errno e = Errno.valueOf(errno);
        return e == null || e == Errno.__UNKNOWN_CONSTANT__ ? "errno " + errno
                : e.name() + " (" + e.description() + ")";
    }

    /**
     * The value of extended attribute {@code name} of {@code path} itself (a symlink is not followed), or null when
     * it has none or its file system keeps none. The JDK reads only {@code user.*} attributes; overlayfs marks opaque
     * directories with {@code trusted.*} ones.
     */
    byte[] lgetxattr(Path path, String name) throws IOException {
        byte[] p = cPath(path.toString());
        byte[] n = cPath(name);
        for (int size = 64; size <= 65536; size *= 4) {
            byte[] buf = new byte[size];
            long got = calls.lgetxattr(p, n, buf, size);
            if (got >= 0) {
                return Arrays.copyOf(buf, (int) got);
            }
            int errno = errno();
            if (errno == ENODATA || errno == ENOTSUP) {
                return null;
            }
            if (errno != ERANGE) {
                throw failure("lgetxattr " + name + " of " + path, errno);
            }
        }
        throw new IOException("lgetxattr " + name + " of " + path + ": value larger than 64 KiB");
    }

    /** Closes {@code fd}, ignoring errors: for cleanup paths where the fd is finished with either way. */
    void closeQuietly(int fd) {
        if (fd >= 0) {
            calls.close(fd);
        }
    }

    /** A path as the NUL-terminated bytes the JDK itself uses for it ({@code sun.jnu.encoding}). */
    static byte[] cPath(String path) {
        byte[] raw = path.getBytes(PATH_CHARSET);
        for (byte b : raw) {
            if (b == 0) {
                throw new IllegalArgumentException("NUL byte in path " + path);
            }
        }
        return Arrays.copyOf(raw, raw.length + 1);
    }

    private static Charset pathCharset() {
        String jnu = System.getProperty("sun.jnu.encoding");
        return jnu != null && Charset.isSupported(jnu) ? Charset.forName(jnu) : Charset.defaultCharset();
    }
}
