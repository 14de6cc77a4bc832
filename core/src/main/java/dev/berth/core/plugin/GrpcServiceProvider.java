package dev.berth.core.plugin;

import io.grpc.ServerServiceDefinition;
import java.util.List;

/**
 * The instance of a {@link PluginTypes#GRPC} plugin: services the daemon serves on its socket. Built-ins and plugins
 * from {@code plugin_dir} alike; a service needs no generated code, {@link ServerServiceDefinition#builder(String)}
 * with hand-made {@link io.grpc.MethodDescriptor}s will do.
 *
 * <p>{@link #services()} is called once, right after {@code init}. Each service name belongs to one plugin: the first
 * in init order to offer it, and built-ins come before plugins from {@code plugin_dir}. A plugin offering a name that
 * is already served (say {@code runtime.v1.RuntimeService}) is marked {@code error}, naming the clash, and none of its
 * services is served.
 */
public interface GrpcServiceProvider {
    List<ServerServiceDefinition> services();
}
