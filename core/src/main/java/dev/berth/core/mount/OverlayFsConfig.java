package dev.berth.core.mount;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.sys.SysCalls;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/**
 * An overlay mounted with the new mount API (fsopen, fsconfig, fsmount, move_mount) where mount(2) cannot take its
 * options: each lower layer is a {@code lowerdir+} parameter of its own (Linux 6.8+), so the one-page limit on mount
 * options does not apply and no helper process has to run from the snapshot directory. On a kernel or C library
 * without it, {@link #mount} says so once and the caller falls back to mount(8).
 */
final class OverlayFsConfig {
    private static final int FSOPEN_CLOEXEC = 1;
    private static final int FSCONFIG_SET_FLAG = 0;
    private static final int FSCONFIG_SET_STRING = 1;
    private static final int FSCONFIG_CMD_CREATE = 6;
    private static final int FSMOUNT_CLOEXEC = 1;
    /** Option words that are per-mount attributes (MOUNT_ATTR_*) rather than overlay parameters. */
    private static final Map<String, Integer> ATTRS = Map.of("ro", 0x1, "nosuid", 0x2, "nodev", 0x4, "noexec", 0x8,
            "noatime", 0x10, "strictatime", 0x20, "nodiratime", 0x80, "relatime", 0, "rw", 0, "defaults", 0);
    /** Cleared once the kernel or libc has shown it lacks the API: then every long overlay goes to mount(8). */
    private static volatile boolean supported = true;

    private OverlayFsConfig() {
    }

    /**
     * Mounts overlay {@code m}, whose paths are absolute, on {@code target}.
     *
     * @return false, having mounted nothing, when this kernel or C library lacks the API
     * @throws BerthException INTERNAL with the kernel's reason when the mount fails
     */
    static boolean mount(Mount m, Path target) {
        if (!supported) {
            return false;
        }
        SysCalls sys = SysCalls.get();
        SysCalls.Calls c = sys.calls();
        int fs;
        try {
            fs = c.fsopen(SysCalls.cString("overlay"), FSOPEN_CLOEXEC);
        } catch (UnsatisfiedLinkError e) {
            supported = false;
            return false;
        }
        if (fs < 0) {
            if (sys.lastErrno() == SysCalls.ENOSYS) {
                supported = false;
                return false;
            }
            throw failure(sys, -1, "fsopen", target);
        }
        int mnt = -1;
        try {
            int attrs = 0;
            for (String o : m.options()) {
                if (ATTRS.containsKey(o)) {
                    attrs |= ATTRS.get(o);
                    if (o.equals("ro")) {
                        set(sys, fs, FSCONFIG_SET_FLAG, "ro", null, target);
                    }
                } else if (o.startsWith("lowerdir=")) {
                    for (String layer : o.substring("lowerdir=".length()).split(":")) {
                        if (c.fsconfig(fs, FSCONFIG_SET_STRING, SysCalls.cString("lowerdir+"),
                                SysCalls.cString(layer), 0) != 0) {
                            if (sys.lastErrno() == SysCalls.EINVAL && o.startsWith("lowerdir=" + layer)) {
                                supported = false; // before 6.8 the kernel knows no "lowerdir+"
                                return false;
                            }
                            throw failure(sys, fs, "lowerdir+ " + layer, target);
                        }
                    }
                } else {
                    int eq = o.indexOf('=');
                    set(sys, fs, eq < 0 ? FSCONFIG_SET_FLAG : FSCONFIG_SET_STRING, eq < 0 ? o : o.substring(0, eq),
                            eq < 0 ? null : o.substring(eq + 1), target);
                }
            }
            if (c.fsconfig(fs, FSCONFIG_CMD_CREATE, null, null, 0) != 0) {
                throw failure(sys, fs, "create", target);
            }
            mnt = c.fsmount(fs, FSMOUNT_CLOEXEC, attrs);
            if (mnt < 0) {
                throw failure(sys, fs, "fsmount", target);
            }
            if (!sys.attach(mnt, target)) {
                throw failure(sys, fs, "move_mount", target);
            }
            return true;
        } finally {
            if (mnt >= 0) {
                c.close(mnt);
            }
            c.close(fs);
        }
    }

    private static void set(SysCalls sys, int fs, int cmd, String key, String value, Path target) {
        if (sys.calls().fsconfig(fs, cmd, SysCalls.cString(key), value == null ? null : SysCalls.cString(value),
                0) != 0) {
            throw failure(sys, fs, key, target);
        }
    }

    /** The errno of the failed step, with what the file system context logged about it, if anything. */
    private static BerthException failure(SysCalls sys, int fs, String step, Path target) {
        String reason = sys.describe(sys.lastErrno());
        if (fs >= 0) {
            byte[] buf = new byte[1024];
            long n = sys.calls().read(fs, buf, buf.length);
            if (n > 2) {
                reason += ": " + new String(buf, 2, (int) n - 2, StandardCharsets.UTF_8).strip(); // "e overlay: ..."
            }
        }
        return new BerthException(ErrorKind.INTERNAL, "mount overlay on " + target + " failed at " + step + ": "
                + reason);
    }

    /** Whether {@code m} is an overlay with absolute paths that needs no propagation change. */
    static boolean handles(Mount m) {
        return m.type().equals("overlay") && m.baseDir() == null && !MountCall.needsHelper(m);
    }
}
