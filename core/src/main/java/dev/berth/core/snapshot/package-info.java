/**
 * The snapshotter SPI: copy-on-write filesystem trees for image layers and container root filesystems, in the
 * shape of containerd's snapshotters.
 *
 * <p>A snapshot is {@link dev.berth.core.snapshot.Kind#ACTIVE active} (writable; a layer is unpacked into it, or a
 * container writes to it), a {@link dev.berth.core.snapshot.Kind#VIEW view} (read-only) or
 * {@link dev.berth.core.snapshot.Kind#COMMITTED committed} (immutable; the parent of further snapshots). Unpacking
 * an image is a chain of {@code prepare(tmpKey, parentChainId)} → apply the layer into
 * {@link dev.berth.core.snapshot.Snapshotter#activeDir} → {@code commit(chainId, tmpKey)}. A container's root
 * file system is {@code prepare(containerId, topChainId)}, mounted with
 * {@link dev.berth.core.mount.Mounts#mount}.
 *
 * <p>Keys of active snapshots and views and names of committed snapshots share one namespace per snapshotter.
 * Labels under {@link dev.berth.core.snapshot.SnapshotLabels} tell garbage collection what is a root.
 */
package dev.berth.core.snapshot;
