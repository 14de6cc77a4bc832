/**
 * A sample third-party plugin: the {@code native} snapshotter ({@code io.berth.snapshotter.v1.native}), in the manner
 * of containerd's. Each snapshot is a plain directory holding the whole tree, copied from its parent: no overlayfs,
 * so it works on any file system (and inside containers that cannot mount overlays), at the cost of disk space and
 * copy time. It depends on the plugin SPI alone; see {@code docs/PLUGINS.md}.
 */
package dev.berth.sample.nativesnapshotter;
