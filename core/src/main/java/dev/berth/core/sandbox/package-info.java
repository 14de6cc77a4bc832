/**
 * The sandbox controller SPI: how the CRI layer creates, starts, stops and removes pod sandboxes without touching
 * namespaces, CNI or runtimes itself. Shaped after containerd's sandbox controller. Plugins of type
 * {@link dev.berth.core.plugin.PluginTypes#SANDBOX_CONTROLLER} return a {@link dev.berth.core.sandbox.SandboxController}.
 *
 * <p>The types here are plain records, free of CRI proto classes, so a third-party controller depends on core alone.
 */
package dev.berth.core.sandbox;
