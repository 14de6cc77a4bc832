package dev.berth.shim.runc.checkpoint;

import com.google.gson.Gson;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Packs a finished CRIU dump into one container checkpoint archive, the layout CRI-O and containerd write and
 * kubelet's forensic checkpointing and {@code checkpointctl} read: {@value #CHECKPOINT_DIR}/ (CRIU's images),
 * {@value #SPEC_DUMP} (the OCI spec), {@value #ROOTFS_DIFF} and {@value #DELETED_FILES} (the writable layer's
 * changes), CRIU's {@value #DUMP_LOG} and {@value #STATS_DUMP}, and the caller's files (such as
 * {@code config.dump}). The archive appears whole or not at all: it is written beside its final name and renamed.
 * Mode 0600, since memory images hold whatever secrets the processes did.
 */
public final class CheckpointArchive {
    public static final String CHECKPOINT_DIR = "checkpoint";
    public static final String SPEC_DUMP = "spec.dump";
    public static final String ROOTFS_DIFF = "rootfs-diff.tar";
    public static final String DELETED_FILES = "deleted.files";
    public static final String DUMP_LOG = "dump.log";
    public static final String STATS_DUMP = "stats-dump";
    private static final Set<String> OWN = Set.of(CHECKPOINT_DIR, SPEC_DUMP, ROOTFS_DIFF, DELETED_FILES, DUMP_LOG,
            STATS_DUMP);

    private CheckpointArchive() {
    }

    /**
     * Writes {@code archive}.
     *
     * @param work       the dump's work directory: CRIU's images in {@value #CHECKPOINT_DIR}/, its log and statistics
     *                   beside them; the rootfs diff is staged here too
     * @param spec       the container's OCI config.json
     * @param extraFiles more top-level files, by name
     * @throws IllegalArgumentException when an extra file's name is not a plain name or is one of the archive's own
     * @throws dev.berth.core.errdefs.BerthException DEADLINE_EXCEEDED once {@code deadline} passed
     */
    public static void write(Path archive, Path work, Path spec, Map<String, byte[]> extraFiles, RootfsDiff diff,
                             Deadline deadline) throws IOException {
        for (String name : extraFiles.keySet()) {
            if (name.isEmpty() || name.contains("/") || name.startsWith(".") || OWN.contains(name)) {
                throw new IllegalArgumentException("extra checkpoint file name \"" + name + "\" is not allowed");
            }
        }
        Path images = work.resolve(CHECKPOINT_DIR);
        if (!Files.isDirectory(images, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("the dump left no image directory " + images);
        }
        List<String> deleted = diff.write(work.resolve(ROOTFS_DIFF));
        if (!deleted.isEmpty()) {
            Files.writeString(work.resolve(DELETED_FILES), new Gson().toJson(deleted), StandardCharsets.UTF_8);
        }
        Path tmp = Files.createTempFile(archive.getParent(), "." + archive.getFileName() + ".", ".partial",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE);
                 OutputStream out = new BufferedOutputStream(java.nio.channels.Channels.newOutputStream(ch), 1 << 16);
                 TarArchiveOutputStream tar = Tars.output(out)) {
                addTree(tar, images, CHECKPOINT_DIR, deadline);
                addFile(tar, spec, SPEC_DUMP);
                for (Map.Entry<String, byte[]> e : extraFiles.entrySet()) {
                    addBytes(tar, e.getKey(), e.getValue());
                }
                for (String name : List.of(ROOTFS_DIFF, DELETED_FILES, DUMP_LOG, STATS_DUMP)) {
                    deadline.check("writing the checkpoint archive");
                    Path f = work.resolve(name);
                    if (Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                        addFile(tar, f, name);
                    }
                }
                tar.finish();
                tar.flush();
                ch.force(true);
            }
            Files.move(tmp, archive, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /** The directory {@code dir} as {@code name}/ and everything in it, files only beside directories. */
    private static void addTree(TarArchiveOutputStream tar, Path dir, String name, Deadline deadline)
            throws IOException {
        TarArchiveEntry d = new TarArchiveEntry(name + "/", TarConstants.LF_DIR);
        d.setMode(0700);
        tar.putArchiveEntry(d);
        tar.closeArchiveEntry();
        List<Path> children;
        try (Stream<Path> s = Files.list(dir)) {
            children = s.sorted().toList();
        }
        for (Path c : children) {
            deadline.check("writing the checkpoint archive");
            String n = name + "/" + c.getFileName();
            if (Files.isDirectory(c, LinkOption.NOFOLLOW_LINKS)) {
                addTree(tar, c, n, deadline);
            } else if (Files.isRegularFile(c, LinkOption.NOFOLLOW_LINKS)) {
                addFile(tar, c, n);
            }
        }
    }

    private static void addFile(TarArchiveOutputStream tar, Path file, String name) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_NORMAL);
        e.setMode(0600);
        e.setSize(Files.size(file));
        e.setLastModifiedTime(Files.getLastModifiedTime(file));
        tar.putArchiveEntry(e);
        Files.copy(file, tar);
        tar.closeArchiveEntry();
    }

    private static void addBytes(TarArchiveOutputStream tar, String name, byte[] content) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_NORMAL);
        e.setMode(0600);
        e.setSize(content.length);
        tar.putArchiveEntry(e);
        tar.write(content);
        tar.closeArchiveEntry();
    }
}
