package dev.berth.shim.runc.checkpoint;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
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
                try (DirectoryStream<Path> top = Files.newDirectoryStream(layer.upper())) {
                    if (!(top instanceof SecureDirectoryStream<Path> secure)) {
                        throw new IOException("this platform cannot read " + layer.upper() + " without following"
                                + " symbolic links the container could swap in");
                    }
                    walk(tar, secure, layer.upper(), "", false, deleted, new HashMap<>());
                }
            }
            tar.finish();
        }
        return List.copyOf(deleted);
    }

    /**
     * Adds what is in {@code dir} (open as {@code path}); for an {@code opaque} one, lists what it hides below as
     * deleted. The container runs on and may swap a directory for a
     * symbolic link meanwhile: contents are only ever opened relative to the directory already open, never
     * following a link, so nothing outside the layer is read into the archive.
     */
    private void walk(TarArchiveOutputStream tar, SecureDirectoryStream<Path> dir, Path path, String rel,
                      boolean opaque, Set<String> deleted, Map<String, String> links) throws IOException {
        SortedSet<String> names = new TreeSet<>();
        for (Path p : dir) {
            names.add(p.getFileName().toString());
        }
        if (opaque) {
            deleted.addAll(hiddenBelow(rel.substring(0, rel.length() - 1), names));
        }
        for (String n : names) {
            deadline.check("writing the root filesystem's changes");
            String name = rel + n;
            Path child = path.resolve(n);
            if (mountPoints.contains(name)) {
                continue;
            }
            Map<String, Object> a = Files.readAttributes(child, ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
            int type = (Integer) a.get("mode") & S_IFMT;
            if (type == S_IFCHR && (Long) a.get("rdev") == 0) {
                deleted.add("/" + name); // an overlay whiteout
            } else if (type == S_IFDIR) {
                tar.putArchiveEntry(entry(name + "/", TarConstants.LF_DIR, a));
                tar.closeArchiveEntry();
                boolean opaqueChild = Arrays.equals(OPAQUE, xattrs.get(child, layer.opaqueXattr()));
                try (SecureDirectoryStream<Path> sub = dir.newDirectoryStream(Path.of(n), LinkOption.NOFOLLOW_LINKS)) {
                    walk(tar, sub, child, name + "/", opaqueChild, deleted, links);
                }
            } else if (type == S_IFREG) {
                addFile(tar, dir, n, name, a, links);
            } else if (type != S_IFSOCK) {
                tar.putArchiveEntry(special(name, type, child, a));
                tar.closeArchiveEntry();
            }
        }
    }

    private static void addFile(TarArchiveOutputStream tar, SecureDirectoryStream<Path> dir, String fileName,
                                String name, Map<String, Object> a, Map<String, String> links) throws IOException {
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
        long size = (Long) a.get("size");
        e.setSize(size);
        tar.putArchiveEntry(e);
        try (InputStream in = Channels.newInputStream(dir.newByteChannel(Path.of(fileName),
                Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)))) {
            copyExactly(in, size, tar);
        }
        tar.closeArchiveEntry();
    }

    /**
     * Copies {@code size} bytes of {@code in}: the container runs on while its changes are read, so a file it
     * shortens meanwhile is padded with zeros and one it extends is cut, and the tar stays readable.
     */
    static void copyExactly(InputStream in, long size, OutputStream out) throws IOException {
        byte[] buf = new byte[(int) Math.min(size, 1 << 16)];
        long left = size;
        while (left > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
                break;
            }
            out.write(buf, 0, n);
            left -= n;
        }
        Arrays.fill(buf, (byte) 0);
        while (left > 0) {
            int n = (int) Math.min(buf.length, left);
            out.write(buf, 0, n);
            left -= n;
        }
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
    private List<String> hiddenBelow(String rel, Set<String> inUpper) throws IOException {
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
