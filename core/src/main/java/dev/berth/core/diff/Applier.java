package dev.berth.core.diff;

import java.io.InputStream;
import java.nio.file.Path;

/**
 * Unpacks an image layer into a snapshot directory. Implementations are registered with type
 * {@link dev.berth.core.plugin.PluginTypes#DIFF}; the built-in one has id {@code tar}.
 *
 * <p>Contract every implementation keeps:
 * <ul>
 *   <li>Nothing outside {@code target} is created, modified or removed, whatever the layer contains: names that
 *       climb out with {@code ..}, absolute names, symlinks in the path of a later entry, hard links to files
 *       outside, device nodes when {@link ApplyOptions#unprivileged()}. Such a layer fails with
 *       {@link dev.berth.core.errdefs.BerthException} INVALID_ARGUMENT naming the entry.</li>
 *   <li>The whole stream is read, so the returned diff id covers every byte of the uncompressed tar.</li>
 *   <li>On failure the target is left as it is (partly applied); the caller discards the snapshot.</li>
 * </ul>
 */
public interface Applier {
    /**
     * Reads {@code layer} to its end and applies it to {@code target}.
     *
     * @param layer     the layer blob as stored: a tar, gzip-compressed tar or zstd-compressed tar. Not closed.
     * @param mediaType the layer's media type from the manifest (see {@link LayerMediaTypes}); {@code null} or a
     *                  generic type makes the applier detect compression from the first bytes
     * @param target    an existing directory: the empty upper directory of a new overlay snapshot, or, with
     *                  {@link WhiteoutStyle#NATIVE}, a directory already holding the parent layers' files
     * @param options   whiteout style and privilege mapping
     * @return the diff id, the uncompressed size and the number of tar entries applied
     * @throws dev.berth.core.errdefs.BerthException INVALID_ARGUMENT for an unsupported media type, a corrupt or
     *         truncated stream, or an entry that would escape {@code target}; RESOURCE_EXHAUSTED when the disk is
     *         full; INTERNAL for other filesystem failures
     */
    ApplyResult apply(InputStream layer, String mediaType, Path target, ApplyOptions options);
}
