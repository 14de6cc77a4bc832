package dev.berth.itest.registry;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes an uncompressed POSIX ustar archive in memory: directories, regular files and symlinks with explicit
 * mode and owner, and a fixed mtime so that the same entries always give the same bytes (and so the same digest).
 */
final class TarWriter {
    private static final int BLOCK = 512;
    private static final long MTIME = 1_700_000_000L;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private boolean finished;

    /** {@code path} without a leading slash, e.g. {@code "bin"}. */
    TarWriter dir(String path, int mode, int uid, int gid) {
        header(path.endsWith("/") ? path : path + "/", mode, uid, gid, 0, '5', "");
        return this;
    }

    TarWriter file(String path, int mode, int uid, int gid, byte[] content) {
        header(path, mode, uid, gid, content.length, '0', "");
        out.writeBytes(content);
        pad(content.length);
        return this;
    }

    TarWriter symlink(String path, String target) {
        header(path, 0777, 0, 0, 0, '2', target);
        return this;
    }

    /** The archive, with its two terminating zero blocks. */
    byte[] finish() {
        if (!finished) {
            out.writeBytes(new byte[2 * BLOCK]);
            finished = true;
        }
        return out.toByteArray();
    }

    private void header(String path, int mode, int uid, int gid, long size, char type, String linkName) {
        if (finished) {
            throw new IllegalStateException("archive already finished");
        }
        byte[] h = new byte[BLOCK];
        byte[] name = path.getBytes(StandardCharsets.UTF_8);
        if (name.length <= 100) {
            put(h, 0, 100, name);
        } else {
            // ustar splits long names at a slash: prefix (155) + name (100)
            int cut = path.lastIndexOf('/', Math.min(path.length() - 1, 155));
            byte[] prefix = path.substring(0, cut).getBytes(StandardCharsets.UTF_8);
            byte[] rest = path.substring(cut + 1).getBytes(StandardCharsets.UTF_8);
            if (cut <= 0 || prefix.length > 155 || rest.length > 100) {
                throw new IllegalArgumentException("path too long for ustar: " + path);
            }
            put(h, 0, 100, rest);
            put(h, 345, 155, prefix);
        }
        octal(h, 100, 8, mode);
        octal(h, 108, 8, uid);
        octal(h, 116, 8, gid);
        octal(h, 124, 12, size);
        octal(h, 136, 12, MTIME);
        h[156] = (byte) type;
        put(h, 157, 100, linkName.getBytes(StandardCharsets.UTF_8));
        put(h, 257, 6, "ustar\0".getBytes(StandardCharsets.US_ASCII));
        put(h, 263, 2, "00".getBytes(StandardCharsets.US_ASCII));
        put(h, 265, 32, (uid == 0 ? "root" : "").getBytes(StandardCharsets.US_ASCII));
        put(h, 297, 32, (gid == 0 ? "root" : "").getBytes(StandardCharsets.US_ASCII));
        octal(h, 329, 8, 0);
        octal(h, 337, 8, 0);
        // checksum: sum of all header bytes with the checksum field read as spaces
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        byte[] cs = String.format("%06o", sum).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(cs, 0, h, 148, 6);
        h[154] = 0;
        h[155] = ' ';
        out.writeBytes(h);
    }

    private void pad(long size) {
        int rem = (int) (size % BLOCK);
        if (rem != 0) {
            out.writeBytes(new byte[BLOCK - rem]);
        }
    }

    private static void put(byte[] h, int off, int len, byte[] value) {
        if (value.length > len) {
            throw new IllegalArgumentException("tar header field too long: " + new String(value, StandardCharsets.UTF_8));
        }
        System.arraycopy(value, 0, h, off, value.length);
    }

    /** Zero-padded octal digits followed by a NUL, filling the field. */
    private static void octal(byte[] h, int off, int len, long value) {
        String s = Long.toOctalString(value);
        if (s.length() > len - 1) {
            throw new IllegalArgumentException("value too large for tar field: " + value);
        }
        s = "0".repeat(len - 1 - s.length()) + s;
        put(h, off, len, (s + "\0").getBytes(StandardCharsets.US_ASCII));
    }
}
