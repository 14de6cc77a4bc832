package dev.berth.snapshot.apply;

import com.github.luben.zstd.ZstdOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/** Builds layer tars for tests, including the hostile ones a real tar tool would refuse to write. */
final class TarBuilder {
    static final Instant MTIME = Instant.parse("2021-03-04T05:06:07Z");

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final TarArchiveOutputStream tar;

    TarBuilder() {
        tar = new TarArchiveOutputStream(bytes, "UTF-8");
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        tar.setAddPaxHeadersForNonAsciiNames(true);
    }

    TarBuilder dir(String name, int mode) {
        TarArchiveEntry e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/", true);
        return put(e, mode, null);
    }

    TarBuilder file(String name, int mode, String content) {
        return file(name, mode, content.getBytes(StandardCharsets.UTF_8));
    }

    TarBuilder file(String name, int mode, byte[] content) {
        TarArchiveEntry e = new TarArchiveEntry(name, true);
        e.setSize(content.length);
        return put(e, mode, content);
    }

    TarBuilder file(String name, int mode, String content, int uid, int gid) {
        byte[] data = content.getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry e = new TarArchiveEntry(name, true);
        e.setSize(data.length);
        e.setUserId(uid);
        e.setGroupId(gid);
        return put(e, mode, data);
    }

    TarBuilder symlink(String name, String target) {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK, true);
        e.setLinkName(target);
        return put(e, 0777, null);
    }

    TarBuilder hardlink(String name, String target) {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_LINK, true);
        e.setLinkName(target);
        return put(e, 0644, null);
    }

    TarBuilder charDevice(String name, int mode, int major, int minor) {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_CHR, true);
        e.setDevMajor(major);
        e.setDevMinor(minor);
        return put(e, mode, null);
    }

    TarBuilder fifo(String name, int mode) {
        return put(new TarArchiveEntry(name, TarConstants.LF_FIFO, true), mode, null);
    }

    /** A local PAX header carrying raw (possibly non-UTF-8) xattr values, applying to the next entry. */
    TarBuilder rawXattrs(Map<String, byte[]> xattrs) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (Map.Entry<String, byte[]> x : xattrs.entrySet()) {
            byte[] key = ("SCHILY.xattr." + x.getKey()).getBytes(StandardCharsets.UTF_8);
            int rest = 1 + key.length + 1 + x.getValue().length + 1; // ' ' key '=' value '\n'
            int len = rest + Integer.toString(rest).length();
            if (Integer.toString(len).length() != Integer.toString(rest).length()) {
                len++;
            }
            body.writeBytes((len + " ").getBytes(StandardCharsets.US_ASCII));
            body.writeBytes(key);
            body.write('=');
            body.writeBytes(x.getValue());
            body.write('\n');
        }
        TarArchiveEntry pax = new TarArchiveEntry("PaxHeaders/x", TarConstants.LF_PAX_EXTENDED_HEADER_LC, true);
        pax.setSize(body.size());
        return put(pax, 0644, body.toByteArray());
    }

    /** A file entry with string xattrs written by commons-compress itself. */
    TarBuilder fileWithXattr(String name, String content, String xattr, String value) {
        byte[] data = content.getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry e = new TarArchiveEntry(name, true);
        e.setSize(data.length);
        e.addPaxHeader("SCHILY.xattr." + xattr, value);
        return put(e, 0644, data);
    }

    TarBuilder put(TarArchiveEntry e, int mode, byte[] content) {
        try {
            e.setMode(mode);
            if (e.getLastModifiedTime() == null || !e.isPaxHeader()) {
                e.setModTime(FileTime.from(MTIME));
            }
            tar.putArchiveEntry(e);
            if (content != null) {
                tar.write(content);
            }
            tar.closeArchiveEntry();
            return this;
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    byte[] tar() {
        try {
            tar.finish();
            tar.close();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static byte[] zstd(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZstdOutputStream z = new ZstdOutputStream(out)) {
            z.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
