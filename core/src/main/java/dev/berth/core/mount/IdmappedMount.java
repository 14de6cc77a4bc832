package dev.berth.core.mount;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.sys.SysCalls;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * A copy of a mounted tree whose file owners are shifted by a user namespace's mappings (an idmapped mount, Linux
 * 5.12+): a file owned by uid 0 on disk is seen, and written, as the namespace's root. This is how a pod in a user
 * namespace of its own reads the image layers every other pod shares, without a chown of any layer. The copy is made
 * detached ({@code open_tree}), given the mapping ({@code mount_setattr}) and attached on the target
 * ({@code move_mount}); on failure nothing is attached.
 */
public final class IdmappedMount {
    private static final int OPEN_TREE_CLONE = 1;
    private static final int AT_EMPTY_PATH = 0x1000;
    private static final int AT_RECURSIVE = 0x8000;
    private static final long MOUNT_ATTR_RDONLY = 0x1;
    private static final long MOUNT_ATTR_IDMAP = 0x100000;
    /** struct mount_attr: attr_set, attr_clr, propagation, userns_fd, each 64 bits. */
    private static final int MOUNT_ATTR_SIZE = 32;

    private IdmappedMount() {
    }

    /**
     * Attaches on {@code target} (an existing directory, or file for a file) a copy of what is mounted at or below
     * {@code source}, its owners mapped through the user namespace in {@code usernsFile}.
     *
     * @param recursive also copy (and map) the mounts below {@code source}, as a recursive bind does
     * @param readOnly  make the copy read-only
     * @throws BerthException FAILED_PRECONDITION with the kernel's reason when the file system cannot be idmapped
     *                        (EINVAL) or the call is missing; INTERNAL otherwise
     */
    public static void attach(Path source, Path target, Path usernsFile, boolean recursive, boolean readOnly) {
        SysCalls sys = SysCalls.get();
        SysCalls.Calls c = sys.calls();
        int tree;
        try {
            tree = c.open_tree(SysCalls.AT_FDCWD, SysCalls.cString(source.toString()),
                    OPEN_TREE_CLONE | SysCalls.O_CLOEXEC | (recursive ? AT_RECURSIVE : 0));
        } catch (UnsatisfiedLinkError e) {
            throw new BerthException(ErrorKind.FAILED_PRECONDITION, "idmapped mounts need open_tree(2), which this C "
                    + "library lacks: " + e.getMessage(), e);
        }
        if (tree < 0) {
            throw failure(sys, "open_tree(" + source + ")");
        }
        try {
            int ns = c.open(SysCalls.cString(usernsFile.toString()), SysCalls.O_RDONLY | SysCalls.O_CLOEXEC);
            if (ns < 0) {
                throw failure(sys, "open(" + usernsFile + ")");
            }
            try {
                byte[] attr = ByteBuffer.allocate(MOUNT_ATTR_SIZE).order(ByteOrder.nativeOrder())
                        .putLong(MOUNT_ATTR_IDMAP | (readOnly ? MOUNT_ATTR_RDONLY : 0)).putLong(0).putLong(0)
                        .putLong(ns).array();
                if (c.mount_setattr(tree, SysCalls.cString(""), AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), attr,
                        MOUNT_ATTR_SIZE) != 0) {
                    int errno = sys.lastErrno();
                    throw new BerthException(errno == SysCalls.EINVAL || errno == SysCalls.ENOSYS
                            ? ErrorKind.FAILED_PRECONDITION : ErrorKind.INTERNAL, "cannot make an idmapped mount of "
                            + source + ": " + sys.describe(errno) + (errno == SysCalls.EINVAL ? "; its file system "
                            + "does not support idmapped mounts on this kernel" : ""));
                }
            } finally {
                c.close(ns);
            }
            if (!sys.attach(tree, target)) {
                throw failure(sys, "move_mount(" + source + " -> " + target + ")");
            }
        } finally {
            c.close(tree); // an unattached copy goes away with its last descriptor
        }
    }

    private static BerthException failure(SysCalls sys, String what) {
        int errno = sys.lastErrno();
        return new BerthException(errno == SysCalls.ENOSYS ? ErrorKind.FAILED_PRECONDITION : ErrorKind.INTERNAL,
                what + " failed: " + sys.describe(errno));
    }
}
