package dev.berth.core.plugin;

import io.grpc.ServerServiceDefinition;
import java.util.List;

/** The instance of a {@link PluginTypes#GRPC} plugin: services the daemon serves on its socket. */
public interface GrpcServiceProvider {
    List<ServerServiceDefinition> services();
}
