/**
 * The layer-apply SPI (plugin type {@link dev.berth.core.plugin.PluginTypes#DIFF}): unpack one image layer, a
 * possibly compressed tar stream, into the directory of a snapshot.
 *
 * <p>An {@link dev.berth.core.diff.Applier} turns OCI whiteouts into the form the snapshotter needs
 * ({@link dev.berth.core.diff.WhiteoutStyle}), keeps every write inside the target directory and reports the
 * layer's diff id (the sha256 of the uncompressed tar). The caller compares that diff id with the image config's
 * {@code rootfs.diff_ids} ({@link dev.berth.core.diff.DiffIds#verify}) and discards the snapshot when apply fails
 * or the ids differ: an applier never cleans up a half-applied target itself.
 */
package dev.berth.core.diff;
