package dev.berth.core.snapshot;

import dev.berth.core.mount.Mount;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A store of copy-on-write file system snapshots, in the shape of containerd's {@code snapshots.Snapshotter}.
 * The instance of every {@code io.berth.snapshotter.v1} plugin implements it.
 *
 * <p>Keys (of active snapshots and views) and names (of committed snapshots) share one namespace. Every method is
 * atomic: after a crash an operation has either happened completely or not at all. Failures are
 * {@link dev.berth.core.errdefs.BerthException}s: NOT_FOUND for an unknown key or parent, ALREADY_EXISTS when the
 * key or name is taken, INVALID_ARGUMENT for an empty key or a bad label, FAILED_PRECONDITION when the snapshot is
 * of the wrong kind or still has children.
 */
public interface Snapshotter extends AutoCloseable {
    /**
     * Creates an active (writable) snapshot on top of committed snapshot {@code parent}.
     *
     * @param parent the name of a committed snapshot, or {@code null}/empty for an empty file system
     * @param labels labels of the new snapshot; {@code null} for none
     * @return the mounts that show the snapshot's file system
     */
    List<Mount> prepare(String key, String parent, Map<String, String> labels);

    /** Like {@link #prepare} but read-only; a view cannot be committed. */
    List<Mount> view(String key, String parent, Map<String, String> labels);

    /** The mounts of an active snapshot or view (a committed snapshot has none: view it). */
    List<Mount> mounts(String key);

    /**
     * Turns active snapshot {@code key} into committed snapshot {@code name}; {@code key} no longer exists after.
     * Its labels are exactly {@code labels}: the active snapshot's labels are not carried over.
     *
     * @throws dev.berth.core.errdefs.BerthException FAILED_PRECONDITION if {@code key} is not active;
     *                                              ALREADY_EXISTS if {@code name} exists
     */
    void commit(String name, String key, Map<String, String> labels);

    /**
     * Removes a snapshot and its data.
     *
     * @throws dev.berth.core.errdefs.BerthException FAILED_PRECONDITION if other snapshots have it as parent
     */
    void remove(String key);

    /** What is known about a snapshot. */
    Info stat(String key);

    /**
     * Changes the labels of snapshot {@code info.name()}, the only mutable part, like containerd: with no
     * {@code fieldpaths} the labels become {@code info.labels()}; {@code "labels"} does the same;
     * {@code "labels.<key>"} sets (or, if absent from {@code info}, removes) one label.
     *
     * @return the snapshot as stored after the update
     * @throws dev.berth.core.errdefs.BerthException INVALID_ARGUMENT for any other field path
     */
    Info update(Info info, String... fieldpaths);

    /** Replaces all labels of snapshot {@code key}. */
    default Info updateLabels(String key, Map<String, String> labels) {
        return update(stat(key).withLabels(labels), "labels");
    }

    /** Disk use of the snapshot's own layer: measured now for active snapshots and views, at commit for committed ones. */
    Usage usage(String key);

    /** Calls {@code fn} for every snapshot that {@code filter} accepts (e.g. a {@link Filter}), in no given order. */
    void walk(Predicate<? super Info> filter, Consumer<? super Info> fn);

    /**
     * The writable directory of active snapshot {@code key}, where a layer applier writes the layer's files
     * directly, overlay whiteouts and opaque directories included (for overlay: the upper dir, or the whole file
     * system of a snapshot without parent).
     *
     * @throws dev.berth.core.errdefs.BerthException FAILED_PRECONDITION if {@code key} is not active
     */
    Path activeDir(String key);

    /** Releases the metadata store; the snapshots stay on disk. */
    @Override
    void close();
}
