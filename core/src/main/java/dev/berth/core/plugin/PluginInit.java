package dev.berth.core.plugin;

/**
 * Creates a plugin's instance. Runs once, after every plugin it requires has been initialised. The returned
 * object is what dependents receive; if it is {@link AutoCloseable} it is closed at shutdown, in reverse init order.
 * Throwing marks the plugin {@code error} with the exception's message; the daemon keeps going unless the
 * plugin is listed in {@code required_plugins}.
 */
@FunctionalInterface
public interface PluginInit {
    Object init(InitContext context) throws Exception;
}
