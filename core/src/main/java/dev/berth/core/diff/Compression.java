package dev.berth.core.diff;

/** The compressions an image layer can have, with the magic bytes that identify each. */
public enum Compression {
    NONE,
    GZIP,
    ZSTD;

    /** How many leading bytes {@link #detect} looks at. */
    public static final int MAGIC_LENGTH = 4;

    /**
     * The compression whose magic number starts {@code head} (gzip {@code 1f 8b}, zstd frame {@code 28 b5 2f fd}),
     * or {@link #NONE} when neither does.
     */
    public static Compression detect(byte[] head, int length) {
        if (length >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
            return GZIP;
        }
        if (length >= 4 && (head[0] & 0xff) == 0x28 && (head[1] & 0xff) == 0xb5 && (head[2] & 0xff) == 0x2f
                && (head[3] & 0xff) == 0xfd) {
            return ZSTD;
        }
        return NONE;
    }
}
