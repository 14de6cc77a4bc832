package dev.berth.snapshot.apply;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * A tar reader that also yields each entry's extended attributes as raw bytes.
 *
 * <p>commons-compress decodes every PAX value as UTF-8, which mangles binary xattr values: Go's archive/tar (so
 * Docker and BuildKit) writes {@code SCHILY.xattr.security.capability} as raw bytes, and a capability set with
 * bit 7, 15, 23 or 31 (e.g. {@code cap_setuid}) contains bytes that are not UTF-8. The parent reads a local PAX
 * header's body through {@link #read(byte[], int, int)} while that header is the current entry, so this class
 * keeps a copy of those bytes and parses the xattr records itself.
 */
final class LayerTarInputStream extends TarArchiveInputStream {
    private static final String SCHILY = "SCHILY.xattr.";
    private static final String LIBARCHIVE = "LIBARCHIVE.xattr.";

    private final ByteArrayOutputStream paxBody = new ByteArrayOutputStream();

    LayerTarInputStream(InputStream in) {
        super(in, "UTF-8");
    }

    @Override
    public int read(byte[] buf, int offset, int len) throws IOException {
        int n = super.read(buf, offset, len);
        if (n > 0) {
            TarArchiveEntry current = getCurrentEntry();
            if (current != null && current.isPaxHeader()) {
                paxBody.write(buf, offset, n);
            }
        }
        return n;
    }

    /** The stream the archive is read from, to drain what follows the end-of-archive marker. */
    InputStream source() {
        return in;
    }

    /** The next file entry (PAX and GNU long-name headers are folded in), or null at the end of the archive. */
    TarArchiveEntry nextEntry() throws IOException {
        paxBody.reset();
        return getNextEntry();
    }

    /**
     * The extended attributes of the entry {@link #nextEntry} just returned, name to raw value, from its PAX
     * {@code SCHILY.xattr.*} records (and libarchive's base64 {@code LIBARCHIVE.xattr.*} ones, which lose to a
     * SCHILY record for the same name). Empty when there are none.
     */
    Map<String, byte[]> xattrs() throws IOException {
        if (paxBody.size() == 0) {
            return Map.of();
        }
        Map<String, byte[]> schily = new LinkedHashMap<>();
        Map<String, byte[]> libarchive = new LinkedHashMap<>();
        byte[] body = paxBody.toByteArray();
        int pos = 0;
        while (pos < body.length) {
            // A record is "<length> <key>=<value>\n"; length counts the whole record in bytes.
            int space = pos;
            long length = 0;
            while (space < body.length && body[space] >= '0' && body[space] <= '9') {
                length = length * 10 + (body[space] - '0');
                if (length > body.length) {
                    throw new IOException("malformed PAX header: record length exceeds the header");
                }
                space++;
            }
            if (space == pos || space >= body.length || body[space] != ' ') {
                if (allNul(body, pos)) {
                    break; // padding some writers leave after the last record
                }
                throw new IOException("malformed PAX header: bad record length at byte " + pos);
            }
            int end = pos + (int) length;
            if (length <= 0 || end > body.length || body[end - 1] != '\n') {
                throw new IOException("malformed PAX header: record at byte " + pos + " is truncated");
            }
            int keyStart = space + 1;
            int eq = keyStart;
            while (eq < end - 1 && body[eq] != '=') {
                eq++;
            }
            if (body[eq] != '=') {
                throw new IOException("malformed PAX header: record at byte " + pos + " has no '='");
            }
            String key = new String(body, keyStart, eq - keyStart, StandardCharsets.UTF_8);
            int valueStart = eq + 1;
            int valueLen = end - 1 - valueStart;
            // an empty PAX value unsets the key (it is not an empty xattr value)
            if (key.startsWith(SCHILY) && key.length() > SCHILY.length()) {
                String name = key.substring(SCHILY.length());
                if (valueLen == 0) {
                    schily.remove(name);
                } else {
                    byte[] value = new byte[valueLen];
                    System.arraycopy(body, valueStart, value, 0, valueLen);
                    schily.put(name, value);
                }
            } else if (key.startsWith(LIBARCHIVE) && key.length() > LIBARCHIVE.length()) {
                String name = java.net.URLDecoder.decode(key.substring(LIBARCHIVE.length()), StandardCharsets.UTF_8);
                if (valueLen == 0) {
                    libarchive.remove(name);
                } else {
                    String b64 = new String(body, valueStart, valueLen, StandardCharsets.US_ASCII);
                    try {
                        libarchive.put(name, Base64.getDecoder().decode(b64));
                    } catch (IllegalArgumentException e) {
                        throw new IOException("malformed PAX header: bad base64 in " + key, e);
                    }
                }
            }
            pos = end;
        }
        libarchive.putAll(schily);
        return libarchive;
    }

    private static boolean allNul(byte[] b, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
