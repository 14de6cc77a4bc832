/**
 * The runtime shim SPI: how the CRI layer creates, starts, stops and inspects containers without touching runc,
 * conmon or cgroups itself. Plugins of type {@link dev.berth.core.plugin.PluginTypes#RUNTIME} return a
 * {@link dev.berth.core.runtime.RuntimeShim}.
 *
 * <p>The CRI layer describes a container in runtime-neutral terms ({@link dev.berth.core.runtime.ContainerSpec}); the
 * shim turns that into whatever its runtime wants (an OCI bundle for runc), resolves users against the image's own
 * files, and keeps the container's process, stdio and log alive across daemon restarts. The types here are plain
 * records, free of CRI proto classes, so a third-party shim depends on core alone.
 */
package dev.berth.core.runtime;
