package dev.berth.core.sys;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;

/**
 * The Linux system calls the daemon makes itself instead of forking a helper (mount(8), umount(8), unshare(1),
 * nsenter(1)): a container start or a pod start and stop would otherwise spawn several short processes, which under
 * concurrent calls cost more CPU than the work they do. Calls that change namespaces affect only the calling
 * thread; callers run them on a thread of their own that dies afterwards. Bound on first use, since binding costs
 * tens of milliseconds that a daemon's start need not pay.
 */
public final class SysCalls {
    public static final int CLONE_NEWNET = 0x40000000;
    public static final int CLONE_NEWUTS = 0x04000000;
    public static final int CLONE_NEWIPC = 0x08000000;
    public static final long MS_RDONLY = 1;
    public static final long MS_REMOUNT = 32;
    public static final long MS_BIND = 4096;
    public static final long MS_REC = 16384;
    public static final int O_RDONLY = 0;
    public static final int O_CLOEXEC = 02000000;
    public static final int EINVAL = 22;
    public static final int ENOSYS = 38;
    public static final int AT_FDCWD = -100;
    private static final int MOVE_MOUNT_F_EMPTY_PATH = 4;

    /** The libc functions; each saves errno. */
    public interface Calls {
        @SaveError
        int mount(@In byte[] source, @In byte[] target, @In byte[] type, long flags, @In byte[] data);

        @SaveError
        int umount2(@In byte[] target, int flags);

        @SaveError
        int unshare(int flags);

        @SaveError
        int sethostname(@In byte[] name, long len);

        @SaveError
        int open(@In byte[] path, int flags);

        @SaveError
        int setns(int fd, int nstype);

        @SaveError
        int close(int fd);

        @SaveError
        int fsopen(@In byte[] fsName, int flags);

        @SaveError
        int fsconfig(int fd, int cmd, @In byte[] key, @In byte[] value, int aux);

        @SaveError
        int fsmount(int fd, int flags, int attrFlags);

        @SaveError
        int move_mount(int fromDirFd, @In byte[] fromPath, int toDirFd, @In byte[] toPath, int flags);

        @SaveError
        int open_tree(int dirFd, @In byte[] path, int flags);

        @SaveError
        int mount_setattr(int dirFd, @In byte[] path, int flags, @In byte[] attr, long size);

        @SaveError
        long read(int fd, @Out byte[] buf, long count);

        String strerror(int errnum);
    }

    private static volatile SysCalls instance;

    private final Calls calls;
    private final Runtime runtime;

    private SysCalls() {
        this.calls = LibraryLoader.create(Calls.class).load("c");
        this.runtime = Runtime.getRuntime(calls);
    }

    public static SysCalls get() {
        SysCalls s = instance;
        if (s == null) {
            synchronized (SysCalls.class) {
                s = instance;
                if (s == null) {
                    s = new SysCalls();
                    instance = s;
                }
            }
        }
        return s;
    }

    /** mount(2); {@code type} and {@code data} may be null. INTERNAL naming {@code what} and the kernel's reason. */
    public void mount(String source, Path target, String type, long flags, String data, String what) {
        check(calls.mount(source == null ? null : bytes(source), bytes(target.toString()),
                type == null ? null : bytes(type), flags, data == null ? null : bytes(data)), what);
    }

    /** Unmounts the topmost mount on {@code target}; false when it is no mount point (EINVAL). */
    public boolean unmount(Path target) {
        if (calls.umount2(bytes(target.toString()), 0) == 0) {
            return true;
        }
        int errno = runtime.getLastError();
        if (errno == EINVAL) {
            return false;
        }
        throw new BerthException(ErrorKind.INTERNAL, "unmount " + target + " failed: " + calls.strerror(errno));
    }

    /** Moves this thread into new namespaces of the given {@code CLONE_NEW*} kinds. */
    public void unshare(int flags) {
        check(calls.unshare(flags), "unshare");
    }

    /** Sets the host name of this thread's UTS namespace. */
    public void sethostname(String name) {
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        check(calls.sethostname(b, b.length), "sethostname(" + name + ")");
    }

    /** Joins the namespace in {@code file} on this thread; FAILED_PRECONDITION when the file cannot be opened. */
    public void setns(Path file, int type) {
        int fd = calls.open(bytes(file.toString()), O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            throw new BerthException(ErrorKind.FAILED_PRECONDITION, "namespace " + file + " cannot be opened: "
                    + lastError());
        }
        try {
            check(calls.setns(fd, type), "setns(" + file + ")");
        } finally {
            calls.close(fd);
        }
    }

    /**
     * Attaches the detached mount {@code mountFd} (from fsmount or open_tree) on {@code target} with move_mount(2);
     * false when that failed, with {@link #lastErrno()} saying why.
     */
    public boolean attach(int mountFd, Path target) {
        return calls.move_mount(mountFd, bytes(""), AT_FDCWD, bytes(target.toString()), MOVE_MOUNT_F_EMPTY_PATH) == 0;
    }

    /** The bound functions, for callers that handle errno themselves ({@link #lastErrno()}). */
    public Calls calls() {
        return calls;
    }

    /** errno of this thread's last failed call. */
    public int lastErrno() {
        return runtime.getLastError();
    }

    /** The C library's text for {@code errno}. */
    public String describe(int errno) {
        return calls.strerror(errno) + " (errno " + errno + ")";
    }

    /** NUL-terminated bytes of {@code s}, as the kernel takes paths and strings. */
    public static byte[] cString(String s) {
        return bytes(s);
    }

    private void check(int rc, String what) {
        if (rc != 0) {
            throw new BerthException(ErrorKind.INTERNAL, what + " failed: " + lastError());
        }
    }

    private String lastError() {
        int errno = runtime.getLastError();
        return calls.strerror(errno) + " (errno " + errno + ")";
    }

    private static byte[] bytes(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        byte[] z = new byte[b.length + 1]; // NUL-terminated for the kernel
        System.arraycopy(b, 0, z, 0, b.length);
        return z;
    }
}
