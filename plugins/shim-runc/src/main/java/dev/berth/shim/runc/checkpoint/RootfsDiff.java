package dev.berth.shim.runc.checkpoint;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * The changes a container made to its root filesystem, from the writable overlay layer: every file, directory, link
 * and device in it goes into a tar (names relative to the root, as {@code rootfs-diff.tar} holds them), and what the
 * container deleted — overlay whiteouts (character devices 0:0), and the lower entries an opaque directory hides —
 * is listed as absolute paths for {@code deleted.files}. Left out: sockets, which cannot be restored from a file, and
 * the container's mount points.
 *
 * <p>File contents come from the upper directory: that holds whole files unless overlayfs runs with
 * {@code metacopy=on}, which Berth's snapshotter never asks for.
 */
public final class RootfsDiff {
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;
    private static final int S_IFLNK = 0120000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFBLK = 0060000;
    private static final int S_IFDIR = 0040000;
    private static final int S_IFCHR = 0020000;
    private static final int S_IFIFO = 0010000;
    private static final byte[] OPAQUE = {'y'};
    private static final String ATTRIBUTES = "unix:mode,uid,gid,rdev,ino,dev,nlink,size,lastModifiedTime";

    private final OverlayLayer layer;
    private final Set<String> mountPoints;
    private final XattrReader xattrs;
    private final Deadline deadline;

    /**
     * @param mountPoints paths relative to the root ({@code etc/hosts}) left out with everything under them: see
     *                    {@link MountPoints}
     */
    public RootfsDiff(OverlayLayer layer, Set<String> mountPoints, XattrReader xattrs, Deadline deadline) {
        this.layer = layer;
        this.mountPoints = Set.copyOf(mountPoints);
        this.xattrs = xattrs;
        this.deadline = deadline;
    }

    /**
     * Writes the tar of the changes to {@code tarFile} (created or replaced).
     *
     * @return the deleted paths, absolute ({@code /etc/motd}) and sorted
     */
    public List<String> write(Path tarFile) throws IOException {
        SortedSet<String> deleted = new TreeSet<>();
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tarFile));
             TarArchiveOutputStream tar = Tars.output(out)) {
            if (layer.upper() != null && Files.isDirectory(layer.upper(), LinkOption.NOFOLLOW_LINKS)) {
                walk(tar, layer.upper(), "", deleted, new HashMap<>());
            }
            tar.finish();
        }
        return List.copyOf(deleted);
    }

    private void walk(TarArchiveOutputStream tar, Path dir, String rel, Set<String> deleted, Map<String, String> links)
            throws IOException {
        List<Path> children;
        try (Stream<Path> s = Files.list(dir)) {
            children = s.sorted().toList();
        }
        for (Path child : children) {
            deadline.check("writing the root filesystem's changes");
            String name = rel + child.getFileName().toString();
            if (mountPoints.contains(name)) {
                continue;
            }
            Map<String, Object> a = Files.readAttributes(child, ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
            int mode = (Integer) a.get("mode");
            int type = mode & S_IFMT;
            if (type == S_IFCHR && (Long) a.get("rdev") == 0) {
                deleted.add("/" + name); // an overlay whiteout
                continue;
            }
            if (type == S_IFSOCK) {
                continue;
            }
            if (type == S_IFDIR) {
                tar.putArchiveEntry(entry(name + "/", TarConstants.LF_DIR, a));
                tar.closeArchiveEntry();
                if (Arrays.equals(OPAQUE, xattrs.get(child, layer.opaqueXattr()))) {
                    deleted.addAll(hiddenBelow(name, child));
                }
                walk(tar, child, name + "/", deleted, links);
            } else if (type == S_IFREG) {
                addFile(tar, child, name, a, links);
            } else {
                TarArchiveEntry e = special(name, type, child, a);
                tar.putArchiveEntry(e);
                tar.closeArchiveEntry();
            }
        }
    }

    private static void addFile(TarArchiveOutputStream tar, Path file, String name, Map<String, Object> a,
                                Map<String, String> links) throws IOException {
        if ((Integer) a.get("nlink") > 1) {
            String key = a.get("dev") + ":" + a.get("ino");
            String first = links.putIfAbsent(key, name);
            if (first != null) {
                TarArchiveEntry e = entry(name, TarConstants.LF_LINK, a);
                e.setLinkName(first);
                tar.putArchiveEntry(e);
                tar.closeArchiveEntry();
                return;
            }
        }
        TarArchiveEntry e = entry(name, TarConstants.LF_NORMAL, a);
        e.setSize((Long) a.get("size"));
        tar.putArchiveEntry(e);
        Files.copy(file, tar);
        tar.closeArchiveEntry();
    }

    private static TarArchiveEntry special(String name, int type, Path p, Map<String, Object> a) throws IOException {
        switch (type) {
            case S_IFLNK: {
                TarArchiveEntry e = entry(name, TarConstants.LF_SYMLINK, a);
                e.setLinkName(Files.readSymbolicLink(p).toString());
                return e;
            }
            case S_IFIFO:
                return entry(name, TarConstants.LF_FIFO, a);
            case S_IFCHR:
            case S_IFBLK: {
                TarArchiveEntry e = entry(name, type == S_IFCHR ? TarConstants.LF_CHR : TarConstants.LF_BLK, a);
                long rdev = (Long) a.get("rdev");
                // glibc's gnu_dev_major / gnu_dev_minor
                e.setDevMajor((int) (((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL)));
                e.setDevMinor((int) ((rdev & 0xff) | ((rdev >>> 12) & ~0xffL)));
                return e;
            }
            default:
                throw new IOException("unexpected file type " + Integer.toOctalString(type) + " of " + p);
        }
    }

    private static TarArchiveEntry entry(String name, byte type, Map<String, Object> a) {
        TarArchiveEntry e = new TarArchiveEntry(name, type);
        e.setMode((Integer) a.get("mode") & 07777);
        e.setUserId(((Integer) a.get("uid")).longValue());
        e.setGroupId(((Integer) a.get("gid")).longValue());
        e.setLastModifiedTime((FileTime) a.get("lastModifiedTime"));
        return e;
    }

    /**
     * What an opaque upper directory {@code rel} hides of the layers below: the entries the lowers show there (the
     * nearest layer's whiteouts and opaque directories hide the farther ones) that the upper directory does not
     * replace. Reading each lower's own copy of the directory, it misses only entries under a parent that a nearer
     * lower deleted, which were invisible anyway.
     */
    private List<String> hiddenBelow(String rel, Path upperDir) throws IOException {
        Set<String> inUpper = new HashSet<>();
        try (Stream<Path> s = Files.list(upperDir)) {
            s.forEach(p -> inUpper.add(p.getFileName().toString()));
        }
        Set<String> shown = new TreeSet<>();
        Set<String> hidden = new HashSet<>();
        for (Path lower : layer.lowers()) {
            Path d = lower.resolve(rel);
            if (!Files.exists(d, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            if (!Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
                break; // a file or whiteout here hides the directory of every farther layer
            }
            try (Stream<Path> s = Files.list(d)) {
                for (Path p : (Iterable<Path>) s::iterator) {
                    String n = p.getFileName().toString();
                    if (hidden.contains(n) || shown.contains(n)) {
                        continue;
                    }
                    if (isWhiteout(p)) {
                        hidden.add(n);
                    } else {
                        shown.add(n);
                    }
                }
            }
            if (Arrays.equals(OPAQUE, xattrs.get(d, layer.opaqueXattr()))) {
                break;
            }
        }
        List<String> out = new ArrayList<>();
        for (String n : shown) {
            if (!inUpper.contains(n)) {
                out.add("/" + rel + "/" + n);
            }
        }
        return out;
    }

    private static boolean isWhiteout(Path p) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:mode,rdev", LinkOption.NOFOLLOW_LINKS);
        return ((Integer) a.get("mode") & S_IFMT) == S_IFCHR && (Long) a.get("rdev") == 0;
    }
}
