package dev.berth.core.mount;

import dev.berth.core.sys.SysCalls;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * mount(2) and umount2(2) made from the JVM, for the mounts that need no helper process: every path absolute (or made
 * so within the one-page option limit) and no propagation change. The option words util-linux turns into flags are
 * turned into the same flags here; the rest is the filesystem's data. A bind mount with flags is two calls, as in
 * mount(8): the bind, then a remount of it with the flags.
 */
final class MountCall {
    private static final Map<String, Long> FLAGS = Map.ofEntries(Map.entry("ro", SysCalls.MS_RDONLY), Map.entry("rw", 0L),
            Map.entry("nosuid", 2L), Map.entry("suid", 0L), Map.entry("nodev", 4L), Map.entry("dev", 0L),
            Map.entry("noexec", 8L), Map.entry("exec", 0L), Map.entry("sync", 16L), Map.entry("async", 0L),
            Map.entry("dirsync", 128L), Map.entry("noatime", 1024L), Map.entry("nodiratime", 2048L),
            Map.entry("relatime", 1L << 21), Map.entry("strictatime", 1L << 24), Map.entry("defaults", 0L));
    private static final List<String> NEEDS_HELPER = List.of("remount", "shared", "rshared", "slave", "rslave",
            "private", "rprivate", "unbindable", "runbindable", "move", "loop");

    private MountCall() {
    }

    /** Whether {@code m}, already resolved to absolute paths, can be made with system calls alone. */
    static boolean direct(Mount m) {
        return m.baseDir() == null && !needsHelper(m) && m.data().getBytes(StandardCharsets.UTF_8).length <= Mounts.MAX_DATA;
    }

    /** Whether {@code m} asks for what only mount(8) does here: a remount, a propagation change, a loop device. */
    static boolean needsHelper(Mount m) {
        return m.options().stream().anyMatch(NEEDS_HELPER::contains);
    }

    static void mount(Mount m, Path target) {
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
        SysCalls sys = SysCalls.get();
        String what = "mount " + m.type() + " " + m.source() + " on " + target;
        if (!bind) {
            sys.mount(m.source(), target, m.type(), flags, data.isEmpty() ? null : String.join(",", data), what);
            return;
        }
        sys.mount(m.source(), target, null, SysCalls.MS_BIND | (recursive ? SysCalls.MS_REC : 0), null, what);
        if (flags != 0) {
            // the kernel ignores flags on the first bind call; only a remount of the bind applies them
            try {
                sys.mount(null, target, null, SysCalls.MS_REMOUNT | SysCalls.MS_BIND | flags, null, what);
            } catch (RuntimeException e) {
                sys.unmount(target);
                throw e;
            }
        }
    }
}
