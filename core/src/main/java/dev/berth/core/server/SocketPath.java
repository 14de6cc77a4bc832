package dev.berth.core.server;

import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** Prepares the socket path: parent dir 0711, a stale socket removed, a live daemon on it refused. */
final class SocketPath {
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private SocketPath() {
    }

    static void prepare(Path socket) throws IOException {
        Path parent = socket.toAbsolutePath().getParent();
        if (!Files.isDirectory(parent)) {
            Files.createDirectories(parent);
            Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwx--x--x"));
        }
        if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        int mode = (Integer) Files.getAttribute(socket, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        if ((mode & S_IFMT) != S_IFSOCK) {
            throw new IOException(socket + " exists and is not a socket; refusing to replace it");
        }
        if (isLive(socket)) {
            throw new IOException("another daemon is already serving on " + socket + "; stop it first or choose another [grpc] address");
        }
        Files.delete(socket); // stale: left by a daemon that died
    }

    private static boolean isLive(Path socket) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            return true;
        } catch (ConnectException e) {
            return false;
        }
    }

    /** Mode 0660 and the configured owner, so only root and the configured group reach the runtime. */
    static void restrict(Path socket, int uid, int gid) throws IOException {
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
        Files.setAttribute(socket, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(socket, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
    }
}
