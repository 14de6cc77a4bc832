/**
 * The local content store plugin ({@code io.berth.content.v1.local}): blobs as read-only files under
 * {@code blobs/<alg>/<hex>}, ingests in progress under {@code ingest/<sha256(ref)>/}, labels and leases in one
 * H2 MVStore file, {@code meta.db}.
 */
package dev.berth.content;
