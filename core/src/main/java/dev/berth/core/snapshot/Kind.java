package dev.berth.core.snapshot;

/** The state of a snapshot. */
public enum Kind {
    /** Read-only; its mounts show the parent chain and nothing can be written. Cannot be committed. */
    VIEW,
    /** Writable; can be committed once, which turns it into a {@link #COMMITTED} snapshot under a new name. */
    ACTIVE,
    /** Immutable; the only kind that can be a parent. */
    COMMITTED
}
