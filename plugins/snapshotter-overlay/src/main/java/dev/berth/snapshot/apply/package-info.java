/**
 * The built-in layer applier ({@code io.berth.diff.v1.tar}): unpacks tar, tar+gzip and tar+zstd layers into
 * snapshot directories, converting OCI whiteouts for overlayfs or applying them natively.
 */
package dev.berth.snapshot.apply;
