package dev.berth.sandbox;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.SaveError;

/**
 * The namespace calls the controller makes itself instead of forking a helper (unshare, sethostname, setns): under
 * concurrent RunPodSandbox calls, short helper processes cost more CPU than the work they do. These calls affect only
 * the calling thread; callers run them on a thread of their own that dies afterwards.
 */
final class Libc {
    static final int O_RDONLY = 0;
    static final int O_CLOEXEC = 02000000;
    static final int CLONE_NEWNET = 0x40000000;
    static final int CLONE_NEWUTS = 0x04000000;
    static final int CLONE_NEWIPC = 0x08000000;

    /** The libc functions, each saving errno. */
    public interface Calls {
        @SaveError
        int open(@In byte[] path, int flags);

        @SaveError
        int setns(int fd, int nstype);

        @SaveError
        int close(int fd);

        @SaveError
        int unshare(int flags);

        @SaveError
        int sethostname(@In byte[] name, long len);

        String strerror(int errnum);
    }

    private static final Libc INSTANCE = new Libc();

    private final Calls calls;
    private final Runtime runtime;

    private Libc() {
        this.calls = LibraryLoader.create(Calls.class).load("c");
        this.runtime = Runtime.getRuntime(calls);
    }

    static Libc get() {
        return INSTANCE;
    }

    /** Joins the namespace in {@code file} on this thread. */
    void setns(Path file, int type) {
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

    /** Moves this thread into new namespaces of the given {@code CLONE_NEW*} kinds. */
    void unshare(int flags) {
        check(calls.unshare(flags), "unshare");
    }

    /** Sets the host name of this thread's UTS namespace. */
    void sethostname(String name) {
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        check(calls.sethostname(b, b.length), "sethostname(" + name + ")");
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
