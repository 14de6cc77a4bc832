package dev.berth.core.snapshot;

/**
 * Disk use of a snapshot's own data (its layer, not its parents').
 *
 * @param size   bytes allocated on disk (like {@code du}), hard-linked files counted once
 * @param inodes files, directories and other inodes, the snapshot's root directory included, hard links counted once
 */
public record Usage(long size, long inodes) {
    public static final Usage ZERO = new Usage(0, 0);

    public Usage {
        if (size < 0 || inodes < 0) {
            throw new IllegalArgumentException("usage must not be negative: " + size + " bytes, " + inodes + " inodes");
        }
    }
}
