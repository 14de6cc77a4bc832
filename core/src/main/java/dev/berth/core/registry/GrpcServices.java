package dev.berth.core.registry;

import dev.berth.core.plugin.GrpcServiceProvider;
import dev.berth.core.plugin.PluginTypes;
import dev.berth.core.plugin.Registration;
import io.grpc.ServerServiceDefinition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The gRPC services of the {@link PluginTypes#GRPC} plugins, each service name owned by the first plugin (in init
 * order, so built-ins first) that serves it. The server would silently let a later service of the same name replace
 * an earlier one, so a plugin from {@code plugin_dir} could take {@code runtime.v1.RuntimeService} away from the CRI
 * plugin; instead such a plugin is refused as a whole, naming the clash.
 */
final class GrpcServices {
    private final Map<String, String> owners = new HashMap<>();
    private final List<ServerServiceDefinition> services = new ArrayList<>();

    /**
     * Takes the services of a freshly initialised gRPC plugin.
     *
     * @return null when they were taken; otherwise why the plugin is refused (nothing of it is taken)
     */
    String claim(Registration r, Object instance) {
        if (!(instance instanceof GrpcServiceProvider provider)) {
            return "a " + PluginTypes.GRPC + " plugin's init must return a " + GrpcServiceProvider.class.getName()
                    + ", not a " + instance.getClass().getName();
        }
        List<ServerServiceDefinition> offered = List.copyOf(provider.services());
        Set<String> names = new HashSet<>();
        for (ServerServiceDefinition s : offered) {
            String name = s.getServiceDescriptor().getName();
            String owner = owners.get(name);
            if (owner != null) {
                return "gRPC service " + name + " is already served by " + owner;
            }
            if (!names.add(name)) {
                return "gRPC service " + name + " is offered twice";
            }
        }
        names.forEach(n -> owners.put(n, r.fullName()));
        services.addAll(offered);
        return null;
    }

    List<ServerServiceDefinition> all() {
        return List.copyOf(services);
    }
}
