package dev.berth.snapshot.apply;

import dev.berth.core.diff.ApplyOptions;
import dev.berth.core.diff.WhiteoutStyle;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Writes the entries of one layer into one target directory. One instance per apply: it remembers what this layer
 * wrote (so whiteouts only hide lower layers, as the OCI spec requires), the whiteout devices it made, and the
 * directory modes and times to set once their children are in place.
 */
final class LayerUnpacker {
    private static final String WHITEOUT_PREFIX = ".wh.";
    private static final String WHITEOUT_META_PREFIX = ".wh..wh.";
    private static final String OPAQUE_MARKER = ".wh..wh..opq";
    private static final long MAX_ID = 0xFFFF_FFFEL;
    private static final int EINVAL = 22;
    private static final FileAttribute<Set<PosixFilePermission>> DIR_0755 =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x"));
    private static final FileAttribute<Set<PosixFilePermission>> FILE_0600 =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    private static final Set<StandardOpenOption> CREATE_FILE =
            Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);

    private final NativeFs fs;
    private final ApplyOptions options;
    private final ContainedTree tree;
    private final byte[] buffer;
    /** Relative paths this layer wrote, including directories made implicitly for its entries. */
    private final Set<String> written;
    /** OVERLAY: whiteout devices this layer made. */
    private final Set<String> whiteouts = new HashSet<>();
    /** Mode and times of each directory entry, set at the end because writing children changes them. */
    private final Map<String, DirMeta> dirMeta = new HashMap<>();
    private long entries;

    private record DirMeta(int mode, FileTime atime, FileTime mtime) {
    }

    private enum Kind { FILE, DIR, SYMLINK, OTHER }

    LayerUnpacker(NativeFs fs, ApplyOptions options, Path root, byte[] buffer) {
        this.fs = fs;
        this.options = options;
        this.buffer = buffer;
        this.written = new HashSet<>();
        this.tree = new ContainedTree(root, written);
    }

    /** Applies every entry of {@code tar}; returns how many there were. */
    long unpack(LayerTarInputStream tar) {
        TarArchiveEntry entry;
        while ((entry = next(tar)) != null) {
            entries++;
            String raw = entry.getName();
            try {
                apply(entry, raw, tar);
            } catch (IOException e) {
                throw writeFailure(raw, e);
            }
        }
        try {
            finishDirectories();
        } catch (IOException e) {
            throw writeFailure("(directory metadata)", e);
        }
        return entries;
    }

    private static TarArchiveEntry next(LayerTarInputStream tar) {
        try {
            return tar.nextEntry();
        } catch (IOException e) {
            throw new LayerReadException(e);
        }
    }

    private void apply(TarArchiveEntry e, String raw, LayerTarInputStream tar) throws IOException {
        String rel = EntryNames.clean(raw, "entry \"" + raw + "\"");
        Map<String, byte[]> xattrs = xattrs(tar);
        Kind kind = kindOf(e, raw);
        if (rel.isEmpty()) {
            if (kind != Kind.DIR) {
                throw BerthException.invalidArgument("layer entry \"%s\": the layer root can only be a directory", raw);
            }
            rootDirectory(e, xattrs);
            return;
        }
        String dir = EntryNames.parent(rel);
        String base = EntryNames.base(rel);
        if (base.startsWith(WHITEOUT_PREFIX)) {
            whiteout(e, raw, dir, base);
            return;
        }
        byte flag = e.getLinkFlag();
        if (kind == Kind.DIR) {
            directory(e, raw, rel, dir, base, xattrs);
        } else if (kind == Kind.SYMLINK) {
            symlink(e, raw, rel, dir, base, xattrs);
        } else if (flag == TarConstants.LF_LINK) {
            hardlink(e, raw, rel, dir, base);
        } else if (kind == Kind.FILE) {
            file(e, raw, rel, dir, base, xattrs, tar);
        } else if (flag == TarConstants.LF_CHR || flag == TarConstants.LF_BLK) {
            if (options.unprivileged()) {
                throw BerthException.invalidArgument(
                        "layer entry \"%s\": device nodes are refused when unpacking without privileges", raw);
            }
            node(e, raw, rel, dir, base, xattrs, (flag == TarConstants.LF_CHR ? NativeFs.S_IFCHR : NativeFs.S_IFBLK),
                    NativeFs.makedev(e.getDevMajor(), e.getDevMinor()));
        } else { // FIFO, checked by kindOf
            node(e, raw, rel, dir, base, xattrs, NativeFs.S_IFIFO, 0);
        }
    }

    private static Kind kindOf(TarArchiveEntry e, String raw) {
        byte flag = e.getLinkFlag();
        switch (flag) {
            case TarConstants.LF_DIR:
                return Kind.DIR;
            case TarConstants.LF_SYMLINK:
                return Kind.SYMLINK;
            case TarConstants.LF_LINK:
            case TarConstants.LF_CHR:
            case TarConstants.LF_BLK:
            case TarConstants.LF_FIFO:
                return Kind.OTHER;
            case TarConstants.LF_NORMAL:
            case TarConstants.LF_OLDNORM:
            case TarConstants.LF_CONTIG:
                // pre-POSIX archives mark a directory only by the trailing slash
                return raw.endsWith("/") ? Kind.DIR : Kind.FILE;
            case TarConstants.LF_GNUTYPE_SPARSE:
                return Kind.FILE;
            default:
                throw BerthException.invalidArgument("layer entry \"%s\": unsupported tar entry type '%s'", raw,
                        flag >= 0x20 && flag < 0x7f ? String.valueOf((char) flag) : "\\x" + Integer.toHexString(flag & 0xff));
        }
    }

    private static Map<String, byte[]> xattrs(LayerTarInputStream tar) {
        try {
            return tar.xattrs();
        } catch (IOException e) {
            throw new LayerReadException(e);
        }
    }

    // ---- entry kinds

    private void file(TarArchiveEntry e, String raw, String rel, String dir, String base, Map<String, byte[]> xattrs,
                      LayerTarInputStream tar) throws IOException {
        Path p = tree.directory(dir, true, raw).resolve(base);
        // CREATE_NEW is O_CREAT|O_EXCL, which never follows a symlink at p: whatever is there makes it fail, and
        // only then is it removed (most entries are new, so this saves an lstat per file)
        FileChannel created;
        try {
            created = FileChannel.open(p, CREATE_FILE, FILE_0600);
        } catch (FileAlreadyExistsException exists) {
            replace(rel, p, false);
            created = FileChannel.open(p, CREATE_FILE, FILE_0600);
        }
        try (FileChannel out = created) {
            copy(tar, out);
        }
        written.add(rel);
        owner(p, e);
        fs.chmod(p, e.getMode());
        setXattrs(p, xattrs, Kind.FILE, raw);
        times(p, e);
    }

    private void copy(LayerTarInputStream tar, FileChannel out) throws IOException {
        while (true) {
            int filled = 0;
            try {
                while (filled < buffer.length) {
                    int n = tar.read(buffer, filled, buffer.length - filled);
                    if (n < 0) {
                        break;
                    }
                    filled += n;
                }
            } catch (IOException e) {
                throw new LayerReadException(e);
            }
            if (filled == 0) {
                return;
            }
            ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, filled);
            while (chunk.hasRemaining()) {
                out.write(chunk);
            }
            if (filled < buffer.length) {
                return;
            }
        }
    }

    private void directory(TarArchiveEntry e, String raw, String rel, String dir, String base,
                           Map<String, byte[]> xattrs) throws IOException {
        Path p = tree.directory(dir, true, raw).resolve(base);
        boolean replacesWhiteout = whiteouts.contains(rel);
        if (!replace(rel, p, true)) {
            Files.createDirectory(p, DIR_0755);
        }
        tree.noteDirectory(rel);
        written.add(rel);
        if (replacesWhiteout) {
            // this layer removed the lower directory, then made a new one: nothing below may show through
            setOpaque(p);
        }
        owner(p, e);
        setXattrs(p, xattrs, Kind.DIR, raw);
        dirMeta.put(rel, new DirMeta(e.getMode(), accessTime(e), e.getLastModifiedTime()));
    }

    private void rootDirectory(TarArchiveEntry e, Map<String, byte[]> xattrs) throws IOException {
        Path p = tree.root();
        owner(p, e);
        setXattrs(p, xattrs, Kind.DIR, e.getName());
        dirMeta.put("", new DirMeta(e.getMode(), accessTime(e), e.getLastModifiedTime()));
    }

    private void symlink(TarArchiveEntry e, String raw, String rel, String dir, String base,
                         Map<String, byte[]> xattrs) throws IOException {
        String target = e.getLinkName();
        if (target == null || target.isEmpty() || target.indexOf('\0') >= 0) {
            throw BerthException.invalidArgument("layer entry \"%s\": symlink has an empty or invalid target", raw);
        }
        Path p = tree.directory(dir, true, raw).resolve(base);
        replace(rel, p, false);
        fs.symlink(target, p); // never followed by this unpack: see ContainedTree
        written.add(rel);
        owner(p, e);
        setXattrs(p, xattrs, Kind.SYMLINK, raw);
        times(p, e);
    }

    private void hardlink(TarArchiveEntry e, String raw, String rel, String dir, String base) throws IOException {
        String linkName = e.getLinkName();
        String targetRel = EntryNames.clean(linkName, "hard link \"" + raw + "\" target \"" + linkName + "\"");
        if (targetRel.isEmpty()) {
            throw BerthException.invalidArgument("layer entry \"%s\": hard link to the layer root", raw);
        }
        Path targetDir = tree.directory(EntryNames.parent(targetRel), false, raw);
        Path target = targetDir == null ? null : targetDir.resolve(EntryNames.base(targetRel));
        BasicFileAttributes attrs = target == null ? null : ContainedTree.lstat(target);
        if (attrs == null) {
            throw BerthException.invalidArgument("layer entry \"%s\": hard link target \"%s\" does not exist in the layer",
                    raw, linkName);
        }
        if (attrs.isDirectory()) {
            throw BerthException.invalidArgument("layer entry \"%s\": hard link target \"%s\" is a directory", raw, linkName);
        }
        if (targetRel.equals(rel)) {
            return; // a link to itself: already what it should be
        }
        Path p = tree.directory(dir, true, raw).resolve(base);
        replace(rel, p, false);
        fs.link(target, p);
        written.add(rel);
    }

    private void node(TarArchiveEntry e, String raw, String rel, String dir, String base, Map<String, byte[]> xattrs,
                      int type, long dev) throws IOException {
        Path p = tree.directory(dir, true, raw).resolve(base);
        replace(rel, p, false);
        fs.mknod(p, type | (e.getMode() & 07777), dev);
        written.add(rel);
        owner(p, e);
        fs.chmod(p, e.getMode()); // mknod's mode went through the umask
        setXattrs(p, xattrs, Kind.OTHER, raw);
        times(p, e);
    }

    // ---- whiteouts

    private void whiteout(TarArchiveEntry e, String raw, String dir, String base) throws IOException {
        if (base.equals(OPAQUE_MARKER)) {
            opaque(raw, dir);
            return;
        }
        if (base.startsWith(WHITEOUT_META_PREFIX)) {
            return; // aufs bookkeeping (.wh..wh.plnk, .wh..wh.aufs), not layer content
        }
        String name = base.substring(WHITEOUT_PREFIX.length());
        if (name.isEmpty() || name.equals(".") || name.equals("..")) {
            throw BerthException.invalidArgument("layer entry \"%s\": whiteout does not name a file in its directory", raw);
        }
        String rel = EntryNames.child(dir, name);
        if (options.whiteouts() == WhiteoutStyle.NATIVE) {
            Path parent = tree.directory(dir, false, raw);
            if (parent != null && !written.contains(rel) && ContainedTree.lstat(parent.resolve(name)) != null) {
                removeTracked(rel);
            }
            return;
        }
        Path p = tree.directory(dir, true, raw).resolve(name);
        BasicFileAttributes attrs = ContainedTree.lstat(p);
        if (attrs != null) {
            if (whiteouts.contains(rel)) {
                return;
            }
            if (written.contains(rel)) {
                // A whiteout hides lower layers only; this layer's own entry stays. A directory of this layer
                // would still merge with the lower one, so make it opaque.
                if (attrs.isDirectory()) {
                    setOpaque(p);
                }
                return;
            }
            removeTracked(rel);
        }
        fs.mknod(p, NativeFs.S_IFCHR, 0);
        whiteouts.add(rel);
        owner(p, e);
    }

    private void opaque(String raw, String dir) throws IOException {
        if (options.whiteouts() == WhiteoutStyle.OVERLAY) {
            setOpaque(tree.directory(dir, true, raw));
            return;
        }
        Path d = tree.directory(dir, false, raw);
        if (d != null) {
            removeNotWritten(dir, d);
        }
    }

    /** NATIVE opaque directory: removes everything below {@code dir} that this layer did not write. */
    private void removeNotWritten(String rel, Path dir) throws IOException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> children = Files.newDirectoryStream(dir)) {
            for (Path child : children) {
                names.add(child.getFileName().toString());
            }
        }
        for (String name : names) {
            String childRel = EntryNames.child(rel, name);
            Path child = dir.resolve(name);
            if (!written.contains(childRel)) {
                removeTracked(childRel);
            } else {
                BasicFileAttributes attrs = ContainedTree.lstat(child);
                if (attrs != null && attrs.isDirectory()) {
                    removeNotWritten(childRel, child);
                }
            }
        }
    }

    private void setOpaque(Path dir) throws IOException {
        fs.lsetxattr(dir, options.opaqueXattr(), new byte[] {'y'});
    }

    // ---- replacing

    /**
     * Clears the way for a new entry at {@code rel}: a directory over a directory merges (returns true), anything
     * else is removed first, so a new entry never writes through what an earlier one left there.
     */
    private boolean replace(String rel, Path p, boolean newIsDirectory) throws IOException {
        BasicFileAttributes attrs = ContainedTree.lstat(p);
        if (attrs == null) {
            return false;
        }
        if (newIsDirectory && attrs.isDirectory()) {
            return true;
        }
        removeTracked(rel);
        return false;
    }

    private void removeTracked(String rel) throws IOException {
        tree.removeAll(rel);
        whiteouts.removeIf(w -> EntryNames.isWithin(w, rel));
        dirMeta.keySet().removeIf(d -> EntryNames.isWithin(d, rel));
    }

    // ---- metadata

    private void owner(Path p, TarArchiveEntry e) throws IOException {
        long uid = e.getLongUserId() + options.uidOffset();
        long gid = e.getLongGroupId() + options.gidOffset();
        if (e.getLongUserId() < 0 || e.getLongGroupId() < 0 || uid > MAX_ID || gid > MAX_ID) {
            throw BerthException.invalidArgument("layer entry \"%s\": uid/gid %d/%d out of range (with offsets %d/%d)",
                    e.getName(), e.getLongUserId(), e.getLongGroupId(), options.uidOffset(), options.gidOffset());
        }
        try {
            fs.lchown(p, uid, gid);
        } catch (NativeFs.NativeException ne) {
            // without privileges the kernel refuses ids outside our mapping: keep our own, as rootless containerd does
            if (!(options.unprivileged() && (ne.isPermission() || ne.errno() == EINVAL))) {
                throw ne;
            }
        }
    }

    private void setXattrs(Path p, Map<String, byte[]> xattrs, Kind kind, String raw) throws IOException {
        for (Map.Entry<String, byte[]> x : xattrs.entrySet()) {
            String name = x.getKey();
            if (name.startsWith("trusted.overlay.") || name.startsWith("user.overlay.")) {
                // overlayfs' private attributes (opaque, redirect, metacopy, origin) steer the kernel's lookups;
                // only this applier's own whiteout handling may set them
                continue;
            }
            if (name.startsWith("user.") && (kind == Kind.SYMLINK || kind == Kind.OTHER)) {
                continue; // the kernel allows user.* only on regular files and directories
            }
            try {
                fs.lsetxattr(p, name, x.getValue());
            } catch (NativeFs.NativeException ne) {
                boolean optional = name.startsWith("user.") || name.startsWith("system.");
                if (options.unprivileged() && ne.isPermission() || optional && ne.isUnsupported()) {
                    continue; // the filesystem or our privileges cannot hold it; containerd skips these too
                }
                throw ne;
            }
        }
    }

    private void times(Path p, TarArchiveEntry e) throws IOException {
        setTimes(p, accessTime(e), e.getLastModifiedTime());
    }

    private void setTimes(Path p, FileTime atime, FileTime mtime) throws IOException {
        Instant a = atime.toInstant();
        Instant m = mtime.toInstant();
        fs.lutimes(p, a.getEpochSecond(), a.getNano(), m.getEpochSecond(), m.getNano());
    }

    private static FileTime accessTime(TarArchiveEntry e) {
        FileTime atime = e.getLastAccessTime();
        return atime != null ? atime : e.getLastModifiedTime();
    }

    /** Sets directory modes and times, deepest first, now that nothing more is written into them. */
    private void finishDirectories() throws IOException {
        List<String> dirs = new ArrayList<>(dirMeta.keySet());
        dirs.sort(Comparator.comparingInt(LayerUnpacker::depth).reversed());
        for (String rel : dirs) {
            DirMeta meta = dirMeta.get(rel);
            Path p;
            if (rel.isEmpty()) {
                p = tree.root();
            } else {
                Path parent = tree.directory(EntryNames.parent(rel), false, rel);
                if (parent == null) {
                    continue;
                }
                p = parent.resolve(EntryNames.base(rel));
            }
            BasicFileAttributes attrs = ContainedTree.lstat(p);
            if (attrs == null || !attrs.isDirectory()) {
                continue;
            }
            fs.chmod(p, meta.mode());
            setTimes(p, meta.atime(), meta.mtime());
        }
    }

    private static int depth(String rel) {
        if (rel.isEmpty()) {
            return 0;
        }
        int d = 1;
        for (int i = 0; i < rel.length(); i++) {
            if (rel.charAt(i) == '/') {
                d++;
            }
        }
        return d;
    }

    private static BerthException writeFailure(String entry, IOException e) {
        boolean noSpace = e instanceof NativeFs.NativeException ne ? ne.isNoSpace()
                : e instanceof FileSystemException fse && fse.getReason() != null
                        && (fse.getReason().contains("No space left") || fse.getReason().contains("quota"));
        if (noSpace || String.valueOf(e.getMessage()).contains("No space left on device")) {
            return new BerthException(ErrorKind.RESOURCE_EXHAUSTED,
                    "unpacking layer entry \"" + entry + "\": no space left: " + e.getMessage(), e);
        }
        return new BerthException(ErrorKind.INTERNAL, "unpacking layer entry \"" + entry + "\": " + e, e);
    }
}
