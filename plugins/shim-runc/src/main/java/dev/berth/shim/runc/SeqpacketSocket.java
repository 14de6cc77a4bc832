package dev.berth.shim.runc;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A connected AF_UNIX SOCK_SEQPACKET socket, the kind conmon serves attach on; the JDK's unix channels only do
 * SOCK_STREAM. Every receive returns one whole packet (the rest of a packet larger than the buffer is lost), every
 * send is one packet.
 *
 * <p>Threads: one may block in {@link #receive} and another in {@link #send} while a third calls {@link #shutdown},
 * which wakes both. {@link #close} must wait until no call is in progress, or a blocked call could end up on an
 * unrelated file that reused the number.
 */
final class SeqpacketSocket implements AutoCloseable {
    private static final int AF_UNIX = 1;
    private static final int SOCK_SEQPACKET = 5;
    private static final int SOCK_CLOEXEC = 02000000;
    private static final int SHUT_WR = 1;
    private static final int SHUT_RDWR = 2;
    private static final int MSG_NOSIGNAL = 0x4000;
    /** sizeof(sockaddr_un.sun_path), NUL included. */
    private static final int SUN_PATH_MAX = 108;
    private final Libc libc;
    private final String peer;
    private volatile int fd;

    private SeqpacketSocket(Libc libc, int fd, String peer) {
        this.libc = libc;
        this.fd = fd;
        this.peer = peer;
    }

    /**
     * Connects to the socket {@code name} in {@code dir}. Socket addresses hold at most 107 bytes and container
     * dirs are longer, so the address goes through an O_PATH descriptor of the dir: /proc/self/fd/N/name.
     */
    static SeqpacketSocket connect(Libc libc, Path dir, String name) throws IOException {
        Libc.Calls c = libc.calls();
        String peer = dir.resolve(name).toString();
        int dirFd = c.open(Libc.cPath(dir.toString()), Libc.O_PATH | Libc.O_CLOEXEC);
        if (dirFd < 0) {
            throw libc.failure("open " + dir);
        }
        int fd = -1;
        try {
            byte[] path = Libc.cPath("/proc/self/fd/" + dirFd + "/" + name);
            if (path.length > SUN_PATH_MAX) {
                throw new IOException("socket name too long: " + name);
            }
            byte[] addr = new byte[2 + path.length];
            addr[0] = AF_UNIX; // sa_family_t, little-endian on the platforms this runs on
            System.arraycopy(path, 0, addr, 2, path.length);
            fd = c.socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
            if (fd < 0) {
                throw libc.failure("socket(AF_UNIX, SOCK_SEQPACKET)");
            }
            while (c.connect(fd, addr, addr.length) < 0) {
                int errno = libc.errno();
                if (errno != Libc.EINTR) {
                    throw Libc.failure("connect " + peer, errno);
                }
            }
            SeqpacketSocket s = new SeqpacketSocket(libc, fd, peer);
            fd = -1;
            return s;
        } finally {
            libc.closeQuietly(fd);
            libc.closeQuietly(dirFd);
        }
    }

    /** The next packet into {@code buf}; 0 once the peer closed or the socket was shut down. */
    int receive(byte[] buf) throws IOException {
        while (true) {
            long n = libc.calls().read(fd, buf, buf.length);
            if (n >= 0) {
                return (int) n;
            }
            int errno = libc.errno();
            if (errno != Libc.EINTR) {
                throw Libc.failure("read from " + peer, errno);
            }
        }
    }

    /** Sends one packet; MSG_NOSIGNAL turns a closed peer into an exception rather than a SIGPIPE. */
    void send(byte[] b, int off, int len) throws IOException {
        byte[] packet = off == 0 && len == b.length ? b : Arrays.copyOfRange(b, off, off + len);
        while (true) {
            long n = libc.calls().send(fd, packet, len, MSG_NOSIGNAL);
            if (n == len) {
                return;
            }
            int errno = libc.errno();
            if (n >= 0 || errno != Libc.EINTR) {
                throw n >= 0 ? new IOException("short send to " + peer + ": " + n + " of " + len + " bytes")
                        : Libc.failure("send to " + peer, errno);
            }
        }
    }

    /** Ends what this side sends: the peer reads end-of-file. */
    void shutdownOutput() throws IOException {
        if (libc.calls().shutdown(fd, SHUT_WR) < 0) {
            throw libc.failure("shutdown(SHUT_WR) of " + peer);
        }
    }

    /** Ends both directions, waking any thread blocked in receive or send; errors ignored (the peer may be gone). */
    void shutdown() {
        int f = fd;
        if (f >= 0) {
            libc.calls().shutdown(f, SHUT_RDWR);
        }
    }

    @Override
    public void close() {
        int f = fd;
        fd = -1;
        libc.closeQuietly(f);
    }
}
