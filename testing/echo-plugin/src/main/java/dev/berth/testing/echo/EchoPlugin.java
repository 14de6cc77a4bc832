package dev.berth.testing.echo;

import dev.berth.core.plugin.PluginProvider;
import dev.berth.core.plugin.PluginTypes;
import dev.berth.core.plugin.Registration;
import java.util.List;

/**
 * A third-party-style gRPC plugin for itests: dropped into a plugin directory, it serves {@code <service>/Say} on
 * berthd's socket ({@link EchoService}), with no generated code, proving that a plugin jar can add an API to the
 * daemon.
 */
public final class EchoPlugin implements PluginProvider {
    @Override
    public List<Registration> registrations() {
        return List.of(Registration.builder(PluginTypes.GRPC, "echo")
                .init(ctx -> new EchoService(ctx.config().getString("service"), ctx.config().getString("greeting"))));
    }
}
