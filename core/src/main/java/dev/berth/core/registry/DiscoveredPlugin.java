package dev.berth.core.registry;

import dev.berth.core.plugin.Registration;

/** A registration and where it was found ("builtin" or a plugin directory). */
public record DiscoveredPlugin(Registration registration, String origin) {
}
