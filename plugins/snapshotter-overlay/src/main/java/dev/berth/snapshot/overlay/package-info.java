/**
 * The overlayfs snapshotter plugin, {@code io.berth.snapshotter.v1.overlayfs}.
 *
 * <p>Layout under the plugin root: {@code metadata.db} (MVStore: snapshot key → id, kind, parent, labels, times,
 * usage) and {@code snapshots/<id>/{fs,work}} with short numeric ids, so a mount over a long parent chain fits in
 * one page when its paths are written relative to {@code snapshots/}. The layer applier lives beside it in
 * {@code dev.berth.snapshot.apply}.
 */
package dev.berth.snapshot.overlay;
