package dev.berth.core.plugin;

import java.util.List;

/**
 * The service-loader entry point of a plugin jar: list the implementation in
 * {@code META-INF/services/dev.berth.core.plugin.PluginProvider}. Built-in and third-party plugins are found
 * the same way. Keep the constructor cheap: real work belongs in {@link Registration#init()}.
 */
public interface PluginProvider {
    /** The plugins this jar provides; usually one. */
    List<Registration> registrations();
}
