package dev.berth.cri;

import dev.berth.core.plugin.GrpcServiceProvider;
import dev.berth.core.plugin.PluginProvider;
import dev.berth.core.plugin.PluginTypes;
import dev.berth.core.plugin.Registration;
import dev.berth.core.plugin.Requirement;
import dev.berth.cri.grpc.ImageServiceBinding;
import dev.berth.cri.grpc.RuntimeServiceBinding;
import java.util.List;

/**
 * Registers {@code io.berth.grpc.v1.cri}: the kubelet-facing CRI services. The plugins it drives are optional so
 * that CRI always answers: without them {@code Status} says what is missing instead of the socket going silent.
 */
public final class CriPlugin implements PluginProvider {
    @Override
    public List<Registration> registrations() {
        return List.of(Registration.builder(PluginTypes.GRPC, "cri")
                .requires(Requirement.optionalType(PluginTypes.CONTENT), Requirement.optionalType(PluginTypes.SNAPSHOTTER),
                        Requirement.optionalType(PluginTypes.SANDBOX_CONTROLLER), Requirement.optionalType(PluginTypes.RUNTIME))
                .init(ctx -> {
                    CriService cri = new CriService(ctx.daemon(), ctx::plugins);
                    InstrumentedCriService rpc = new InstrumentedCriService(ctx.metrics());
                    return (GrpcServiceProvider) () -> List.of(
                            new RuntimeServiceBinding(rpc, cri).bindService(),
                            new ImageServiceBinding(rpc, cri).bindService());
                }));
    }
}
