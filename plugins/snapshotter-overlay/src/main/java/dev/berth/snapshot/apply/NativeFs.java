package dev.berth.snapshot.apply;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import jnr.constants.platform.Errno;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/**
 * The few libc calls the JDK lacks or gets wrong for unpacking: they act on the link itself, never following a
 * final symlink ({@code lchown}, {@code lsetxattr}, {@code utimensat(AT_SYMLINK_NOFOLLOW)}), create device nodes
 * ({@code mknod}), set the setuid/setgid/sticky bits ({@code chmod}), and write a symlink target byte for byte
 * ({@code symlink}; {@code Path} would normalise {@code a//b/}). jnr-posix 3.1 has no mknod or xattr calls, so this
 * binds libc directly with jnr-ffi.
 *
 * <p>Paths go down as the bytes the JDK itself uses for them ({@code sun.jnu.encoding}).
 */
final class NativeFs {
    static final int S_IFIFO = 0010000;
    static final int S_IFCHR = 0020000;
    static final int S_IFBLK = 0060000;
    private static final int AT_FDCWD = -100;
    private static final int AT_SYMLINK_NOFOLLOW = 0x100;
    private static final int ENODATA = 61;
    private static final int ERANGE = 34;

    /** The libc functions; each saves errno. */
    public interface LibC {
        @SaveError
        int mknod(@In byte[] path, int mode, long dev);

        @SaveError
        int lchown(@In byte[] path, int uid, int gid);

        @SaveError
        int chmod(@In byte[] path, int mode);

        @SaveError
        int utimensat(int dirfd, @In byte[] path, @In long[] times, int flags);

        @SaveError
        int symlink(@In byte[] target, @In byte[] linkpath);

        @SaveError
        int linkat(int olddirfd, @In byte[] oldpath, int newdirfd, @In byte[] newpath, int flags);

        @SaveError
        int lsetxattr(@In byte[] path, @In byte[] name, @In byte[] value, @size_t long size, int flags);

        @SaveError
        @ssize_t
        long lgetxattr(@In byte[] path, @In byte[] name, @Out byte[] value, @size_t long size);

        @SaveError
        @ssize_t
        long llistxattr(@In byte[] path, @Out byte[] list, @size_t long size);
    }

    private final LibC libc;
    private final Runtime runtime;
    private final Charset pathCharset;

    NativeFs() {
        this.libc = LibraryLoader.create(LibC.class).load("c");
        this.runtime = Runtime.getRuntime(libc);
        String jnu = System.getProperty("sun.jnu.encoding");
        this.pathCharset = jnu != null && Charset.isSupported(jnu) ? Charset.forName(jnu) : Charset.defaultCharset();
    }

    /** An errno-carrying failure of a native call. */
    static final class NativeException extends FileSystemException {
        private static final long serialVersionUID = 1L;
        private final int errno;

        NativeException(String op, Path path, int errno) {
            super(path.toString(), null, op + ": " + describe(errno));
            this.errno = errno;
        }

        int errno() {
            return errno;
        }

        boolean isPermission() {
            return errno == Errno.EPERM.intValue() || errno == Errno.EACCES.intValue();
        }

        boolean isNoSpace() {
            return errno == Errno.ENOSPC.intValue() || errno == Errno.EDQUOT.intValue();
        }

        boolean isUnsupported() {
            return errno == Errno.EOPNOTSUPP.intValue() || errno == Errno.ENOTSUP.intValue();
        }

        private static String describe(int errno) {
            Errno e = Errno.valueOf(errno);
            return e == null || e == Errno.__UNKNOWN_CONSTANT__ ? "errno " + errno : e.name() + " (" + e.description() + ")";
        }
    }

    /** glibc's {@code makedev}: the 64-bit dev_t layout Linux uses. */
    static long makedev(long major, long minor) {
        return ((major & 0xfffff000L) << 32) | ((major & 0xfffL) << 8) | ((minor & 0xffffff00L) << 12) | (minor & 0xffL);
    }

    void mknod(Path path, int mode, long dev) throws IOException {
        check(libc.mknod(bytes(path), mode, dev), "mknod", path);
    }

    void lchown(Path path, long uid, long gid) throws IOException {
        check(libc.lchown(bytes(path), (int) uid, (int) gid), "lchown", path);
    }

    /** chmod, which follows a final symlink: call it only on paths this unpack just made non-links. */
    void chmod(Path path, int mode) throws IOException {
        check(libc.chmod(bytes(path), mode & 07777), "chmod", path);
    }

    /** Sets atime and mtime of the path itself (a symlink's own times, not its target's). */
    void lutimes(Path path, long atimeSec, int atimeNanos, long mtimeSec, int mtimeNanos) throws IOException {
        long[] times = {atimeSec, atimeNanos, mtimeSec, mtimeNanos};
        check(libc.utimensat(AT_FDCWD, bytes(path), times, AT_SYMLINK_NOFOLLOW), "utimensat", path);
    }

    void symlink(String target, Path link) throws IOException {
        check(libc.symlink(nulTerminated(target.getBytes(pathCharset)), bytes(link)), "symlink", link);
    }

    /** A hard link to {@code existing} itself: flags 0, so a symlink is linked, never its target. */
    void link(Path existing, Path link) throws IOException {
        check(libc.linkat(AT_FDCWD, bytes(existing), AT_FDCWD, bytes(link), 0), "link", link);
    }

    void lsetxattr(Path path, String name, byte[] value) throws IOException {
        check(libc.lsetxattr(bytes(path), nameBytes(name), value, value.length, 0), "lsetxattr " + name, path);
    }

    /** The value of xattr {@code name} of the path itself, or null when it has none. */
    byte[] lgetxattr(Path path, String name) throws IOException {
        byte[] p = bytes(path);
        byte[] n = nameBytes(name);
        for (int size = 256; ; size *= 4) {
            byte[] buf = new byte[size];
            long got = libc.lgetxattr(p, n, buf, size);
            if (got >= 0) {
                return java.util.Arrays.copyOf(buf, (int) got);
            }
            int errno = runtime.getLastError();
            if (errno == ENODATA) {
                return null;
            }
            if (errno != ERANGE || size > 1 << 20) {
                throw new NativeException("lgetxattr " + name, path, errno);
            }
        }
    }

    /** The names of the path's own xattrs. */
    java.util.List<String> llistxattr(Path path) throws IOException {
        byte[] p = bytes(path);
        for (int size = 1024; ; size *= 4) {
            byte[] buf = new byte[size];
            long got = libc.llistxattr(p, buf, size);
            if (got >= 0) {
                java.util.List<String> names = new java.util.ArrayList<>();
                int start = 0;
                for (int i = 0; i < got; i++) {
                    if (buf[i] == 0) {
                        names.add(new String(buf, start, i - start, java.nio.charset.StandardCharsets.UTF_8));
                        start = i + 1;
                    }
                }
                return names;
            }
            int errno = runtime.getLastError();
            if (errno != ERANGE || size > 1 << 20) {
                throw new NativeException("llistxattr", path, errno);
            }
        }
    }

    private void check(long rc, String op, Path path) throws NativeException {
        if (rc < 0) {
            throw new NativeException(op, path, runtime.getLastError());
        }
    }

    private byte[] bytes(Path path) {
        return nulTerminated(path.toString().getBytes(pathCharset));
    }

    private static byte[] nameBytes(String xattr) {
        return nulTerminated(xattr.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static byte[] nulTerminated(byte[] raw) {
        for (byte b : raw) {
            if (b == 0) {
                throw new IllegalArgumentException("NUL byte in a path or name");
            }
        }
        byte[] out = java.util.Arrays.copyOf(raw, raw.length + 1);
        return out;
    }
}
