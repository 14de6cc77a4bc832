/**
 * The content-store SPI: a content-addressed blob store in the style of containerd's.
 *
 * <p>Blobs (image manifests, configs, layers) are addressed by {@link dev.berth.core.content.Digest}. They are
 * written through a {@link dev.berth.core.content.Writer} under a caller-chosen ref, verified against the
 * expected size and digest on commit, and only then become visible to
 * {@link dev.berth.core.content.ContentStore#info} and {@link dev.berth.core.content.ContentStore#openReader}.
 * An interrupted write (crash, lost connection) stays as an ingest and can be resumed by opening a writer for
 * the same ref again.
 *
 * <p>Blobs carry string labels. Labels under {@link dev.berth.core.content.ContentLabels} tell garbage
 * collection what a blob references and what is a root; leases keep blobs alive while a client (e.g. an image
 * pull) is still assembling the graph that will reference them.
 */
package dev.berth.core.content;
