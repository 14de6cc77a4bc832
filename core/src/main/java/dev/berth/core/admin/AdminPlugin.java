package dev.berth.core.admin;

import dev.berth.core.plugin.GrpcServiceProvider;
import dev.berth.core.plugin.PluginProvider;
import dev.berth.core.plugin.PluginTypes;
import dev.berth.core.plugin.Registration;
import java.util.List;

/** Registers the admin API ({@code io.berth.grpc.v1.admin}) that berthctl uses for plugins, version, config and pull progress. */
public final class AdminPlugin implements PluginProvider {
    @Override
    public List<Registration> registrations() {
        return List.of(Registration.builder(PluginTypes.GRPC, "admin")
                .init(ctx -> (GrpcServiceProvider) () -> List.of(new AdminService(ctx).bindService())));
    }
}
