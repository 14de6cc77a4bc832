package dev.berth.shim.runc;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;

/**
 * Who may pass through the shim's state directory. runc binds a container's root file system from inside the
 * container's user namespace, where the host's root owns nothing, so for a pod with a user namespace of its own
 * every directory on the way to that root file system must let anyone search it (x for others). The state directory
 * is therefore 0711 and its {@value RuncShim#USERNS_ROOTFS_DIR} directory too, while everything else in it (bundles with
 * config.json and attach sockets, runc's state, the attach links) is 0700, so that search permission opens nothing
 * but the mount points of those root file systems.
 */
final class StateDirAccess {
    static final Set<PosixFilePermission> SEARCHABLE = PosixFilePermissions.fromString("rwx--x--x");
    static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rwx------");

    private StateDirAccess() {
    }

    /** Sets the modes described above on {@code state} and its directories. */
    static void secure(Path state) throws IOException {
        Files.createDirectories(state.resolve(RuncShim.USERNS_ROOTFS_DIR));
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(state)) {
            for (Path p : ds) {
                if (Files.isDirectory(p) && !Files.isSymbolicLink(p)) {
                    boolean rootfsDir = p.getFileName().toString().equals(RuncShim.USERNS_ROOTFS_DIR);
                    Files.setPosixFilePermissions(p, rootfsDir ? SEARCHABLE : PRIVATE);
                }
            }
        }
        Files.setPosixFilePermissions(state, SEARCHABLE);
    }

    /** The first directory above {@code dir} that others may not search, if any: a user namespace cannot pass it. */
    static Optional<Path> unsearchableAncestor(Path dir) throws IOException {
        for (Path p = dir.toAbsolutePath().getParent(); p != null; p = p.getParent()) {
            if (!Files.getPosixFilePermissions(p).contains(PosixFilePermission.OTHERS_EXECUTE)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
