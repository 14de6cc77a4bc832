package dev.berth.snapshot.apply;

import dev.berth.core.errdefs.BerthException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.Set;

/**
 * The target directory of one unpack, addressed by clean relative paths ({@link EntryNames}).
 *
 * <p>Containment rests on one rule: an entry's parent path must consist of real directories. Every component is
 * checked with {@code lstat} (never following links) before anything is created below it, so a symlink a layer
 * planted earlier can never redirect a later write, link or delete outside the root. Checked directories are
 * remembered until something under them is removed, so a deep tree costs one {@code lstat} per directory, not
 * per entry. Nothing else writes into a snapshot being unpacked, so a checked path stays valid.
 */
final class ContainedTree {
    private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};
    private static final FileAttribute<Set<PosixFilePermission>> DIR_0755 =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x"));

    private final Path root;
    private final Set<String> checkedDirs = new HashSet<>();
    private final Set<String> created;

    /**
     * @param root    the real path of the target directory
     * @param created receives the relative path of every directory this tree creates implicitly
     */
    ContainedTree(Path root, Set<String> created) {
        this.root = root;
        this.created = created;
        checkedDirs.add("");
    }

    Path root() {
        return root;
    }

    /** The path of a clean relative name; purely lexical, so only meaningful after its parent was checked. */
    Path path(String rel) {
        return rel.isEmpty() ? root : root.resolve(rel);
    }

    /**
     * The directory {@code rel} after checking that it and every parent is a real directory.
     *
     * @param create make missing directories (0755, owned by us) instead of returning null
     * @param entry  the tar entry, for the error message
     * @return the directory, or null when it (or a parent) does not exist and {@code create} is false
     * @throws BerthException INVALID_ARGUMENT when a component is a symlink or not a directory
     */
    Path directory(String rel, boolean create, String entry) throws IOException {
        if (checkedDirs.contains(rel)) {
            return path(rel);
        }
        int from = 0;
        while (true) {
            int slash = rel.indexOf('/', from);
            String prefix = slash < 0 ? rel : rel.substring(0, slash);
            if (!checkedDirs.contains(prefix)) {
                Path p = path(prefix);
                BasicFileAttributes attrs = lstat(p);
                if (attrs == null) {
                    if (!create) {
                        return null;
                    }
                    Files.createDirectory(p, DIR_0755);
                    created.add(prefix);
                } else if (attrs.isSymbolicLink()) {
                    throw BerthException.invalidArgument(
                            "layer entry \"%s\": path component \"%s\" is a symlink; a layer may not write through a symlink",
                            entry, prefix);
                } else if (!attrs.isDirectory()) {
                    throw BerthException.invalidArgument("layer entry \"%s\": path component \"%s\" is not a directory",
                            entry, prefix);
                }
                checkedDirs.add(prefix);
            }
            if (slash < 0) {
                return path(rel);
            }
            from = slash + 1;
        }
    }

    /** Records that {@code rel} is now a real directory this unpack made. */
    void noteDirectory(String rel) {
        checkedDirs.add(rel);
    }

    /** The attributes of {@code p} itself, or null when it does not exist. */
    static BasicFileAttributes lstat(Path p) throws IOException {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, NOFOLLOW);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /**
     * Removes {@code rel} and, for a directory, everything under it, never following symlinks (a symlink is
     * removed, not what it points to). The parent of {@code rel} must have been checked.
     */
    void removeAll(String rel) throws IOException {
        if (rel.isEmpty()) {
            throw new IllegalArgumentException("cannot remove the layer root");
        }
        removeRecursively(path(rel));
        checkedDirs.removeIf(d -> EntryNames.isWithin(d, rel));
    }

    static void removeRecursively(Path p) throws IOException {
        BasicFileAttributes attrs = lstat(p);
        if (attrs == null) {
            return;
        }
        if (attrs.isDirectory()) {
            try (DirectoryStream<Path> children = Files.newDirectoryStream(p)) {
                for (Path child : children) {
                    removeRecursively(child);
                }
            }
        }
        Files.delete(p);
    }
}
