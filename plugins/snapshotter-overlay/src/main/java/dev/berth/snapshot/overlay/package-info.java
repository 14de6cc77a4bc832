/**
 * The overlayfs snapshotter plugin (io.berth.snapshotter.v1.overlayfs) and layer applier. Lands with issue 3.
 */
package dev.berth.snapshot.overlay;
