package dev.berth.sandbox;

import dev.berth.core.plugin.PluginProvider;
import dev.berth.core.plugin.PluginTypes;
import dev.berth.core.plugin.Registration;
import dev.berth.core.plugin.Requirement;
import dev.berth.core.runtime.RuntimeShim;
import dev.berth.core.snapshot.Snapshotter;
import java.util.List;

/**
 * Registers {@code io.berth.sandbox.controller.v1.podsandbox}: pods in pinned namespaces with CNI networking,
 * records in {@code <root>/sandboxes.db}, namespaces and files under the state directory. Snapshotters and runtime
 * shims are optional dependencies: only pods with an infra container (image mode) need them, and they are started
 * first so that the controller finds its infra containers at startup.
 */
public final class PodSandboxPlugin implements PluginProvider {
    /** The plugin id, the name a runtime handler's {@code sandboxer} refers to. */
    public static final String ID = "podsandbox";

    @Override
    public List<Registration> registrations() {
        return List.of(Registration.builder(PluginTypes.SANDBOX_CONTROLLER, ID)
                .requires(Requirement.optionalType(PluginTypes.SNAPSHOTTER), Requirement.optionalType(PluginTypes.RUNTIME))
                .init(ctx -> new PodSandboxController(ctx.root(), ctx.state(), PodSandboxSettings.from(ctx.config()),
                        new InfraContainers(ctx.getAll(PluginTypes.SNAPSHOTTER, Snapshotter.class),
                                ctx.getAll(PluginTypes.RUNTIME, RuntimeShim.class)))));
    }
}
