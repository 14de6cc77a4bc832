package dev.berth.core.mount;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.SaveError;

/**
 * mount(2) and umount2(2) made from the JVM, for the mounts that need no helper process: every path absolute (or made
 * so within the one-page option limit) and no propagation change. The option words util-linux turns into flags are
 * turned into the same flags here; the rest is the filesystem's data. A bind mount with flags is two calls, as in
 * mount(8): the bind, then a remount of it with the flags.
 */
final class MountCall {
    private static final long MS_RDONLY = 1;
    private static final long MS_REMOUNT = 32;
    private static final long MS_BIND = 4096;
    private static final long MS_REC = 16384;
    private static final int EINVAL = 22;
    private static final Map<String, Long> FLAGS = Map.ofEntries(Map.entry("ro", MS_RDONLY), Map.entry("rw", 0L),
            Map.entry("nosuid", 2L), Map.entry("suid", 0L), Map.entry("nodev", 4L), Map.entry("dev", 0L),
            Map.entry("noexec", 8L), Map.entry("exec", 0L), Map.entry("sync", 16L), Map.entry("async", 0L),
            Map.entry("dirsync", 128L), Map.entry("noatime", 1024L), Map.entry("nodiratime", 2048L),
            Map.entry("relatime", 1L << 21), Map.entry("strictatime", 1L << 24), Map.entry("defaults", 0L));
    private static final List<String> NEEDS_HELPER = List.of("remount", "shared", "rshared", "slave", "rslave",
            "private", "rprivate", "unbindable", "runbindable", "move", "loop");

    /** The libc functions; each saves errno. */
    public interface Calls {
        @SaveError
        int mount(@In byte[] source, @In byte[] target, @In byte[] type, long flags, @In byte[] data);

        @SaveError
        int umount2(@In byte[] target, int flags);

        String strerror(int errnum);
    }

    private static volatile MountCall instance;

    private final Calls calls;
    private final Runtime runtime;

    private MountCall() {
        this.calls = LibraryLoader.create(Calls.class).load("c");
        this.runtime = Runtime.getRuntime(calls);
    }

    /** Bound on first use: binding costs tens of milliseconds that a daemon's start need not pay. */
    static MountCall get() {
        MountCall m = instance;
        if (m == null) {
            synchronized (MountCall.class) {
                m = instance;
                if (m == null) {
                    m = new MountCall();
                    instance = m;
                }
            }
        }
        return m;
    }

    /** Whether {@code m}, already resolved to absolute paths, can be made with system calls alone. */
    static boolean direct(Mount m) {
        return m.baseDir() == null && m.options().stream().noneMatch(NEEDS_HELPER::contains)
                && m.data().getBytes(StandardCharsets.UTF_8).length <= Mounts.MAX_DATA;
    }

    void mount(Mount m, Path target) {
        long flags = 0;
        boolean bind = m.type().equals("bind");
        boolean recursive = false;
        List<String> data = new ArrayList<>();
        for (String o : m.options()) {
            if (o.equals("bind") || o.equals("rbind")) {
                bind = true;
                recursive |= o.equals("rbind");
            } else if (FLAGS.containsKey(o)) {
                flags |= FLAGS.get(o);
            } else {
                data.add(o);
            }
        }
        String what = "mount " + m.type() + " " + m.source() + " on " + target;
        if (!bind) {
            check(calls.mount(bytes(m.source()), bytes(target.toString()), bytes(m.type()), flags,
                    data.isEmpty() ? null : bytes(String.join(",", data))), what);
            return;
        }
        check(calls.mount(bytes(m.source()), bytes(target.toString()), null, MS_BIND | (recursive ? MS_REC : 0), null),
                what);
        if (flags != 0) {
            // the kernel ignores flags on the first bind call; only a remount of the bind applies them
            int rc = calls.mount(null, bytes(target.toString()), null, MS_REMOUNT | MS_BIND | flags, null);
            if (rc != 0) {
                String err = lastError();
                calls.umount2(bytes(target.toString()), 0);
                throw new BerthException(ErrorKind.INTERNAL, what + " failed: " + err);
            }
        }
    }

    /** Unmounts the topmost mount on {@code target}; false when it is no mount point. */
    boolean unmount(Path target) {
        if (calls.umount2(bytes(target.toString()), 0) == 0) {
            return true;
        }
        int errno = runtime.getLastError();
        if (errno == EINVAL) {
            return false;
        }
        throw new BerthException(ErrorKind.INTERNAL, "unmount " + target + " failed: " + calls.strerror(errno));
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
        byte[] z = new byte[b.length + 1];
        System.arraycopy(b, 0, z, 0, b.length);
        return z;
    }
}
