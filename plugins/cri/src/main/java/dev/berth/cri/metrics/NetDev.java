package dev.berth.cri.metrics;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads the interface counters of a pod's network namespace from {@code /proc/<pid>/net/dev} of a process inside it,
 * so the daemon never enters the namespace. The pid may have exited and been reused by the time the file is read,
 * so a read counts only when the process is still in the pod's namespace afterwards: its {@code ns/net} link names
 * the inode of the pod's pinned namespace file.
 */
final class NetDev {
    /** Loopback stays out, as in cAdvisor: it is traffic inside the pod. */
    private static final String LOOPBACK = "lo";
    /** Receive and transmit columns of a {@code net/dev} line: bytes packets errs drop fifo frame compressed multicast. */
    private static final int COLUMNS = 16;
    private static final int TX = 8;

    private final Path procRoot;

    /** @param procRoot normally /proc */
    NetDev(Path procRoot) {
        this.procRoot = procRoot;
    }

    /**
     * The counters of every interface but loopback in {@code netns}, read through process {@code pid}; empty when the
     * process is gone or is not in that namespace.
     */
    Optional<List<InterfaceCounters>> read(long pid, Path netns) {
        Path proc = procRoot.resolve(Long.toString(pid));
        try {
            String text = Files.readString(proc.resolve("net/dev"));
            Object inode = Files.getAttribute(netns, "unix:ino");
            String link = Files.readSymbolicLink(proc.resolve("ns/net")).toString();
            return link.equals("net:[" + inode + "]") ? Optional.of(parse(text)) : Optional.empty();
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.empty();
        }
    }

    /** The interfaces of a {@code net/dev} text, without loopback; lines it cannot read are skipped. */
    static List<InterfaceCounters> parse(String text) {
        List<InterfaceCounters> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue; // the two header lines
            }
            String name = line.substring(0, colon).strip();
            String[] f = line.substring(colon + 1).strip().split("\\s+");
            if (name.equals(LOOPBACK) || f.length < COLUMNS) {
                continue;
            }
            try {
                out.add(new InterfaceCounters(name, n(f[0]), n(f[1]), n(f[2]), n(f[3]), n(f[TX]), n(f[TX + 1]),
                        n(f[TX + 2]), n(f[TX + 3])));
            } catch (NumberFormatException e) {
                // not a counter line
            }
        }
        return out;
    }

    private static long n(String s) {
        return Long.parseUnsignedLong(s);
    }
}
