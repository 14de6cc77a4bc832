package dev.berth.sandbox;

import dev.berth.core.plugin.PluginProvider;
import dev.berth.core.plugin.PluginTypes;
import dev.berth.core.plugin.Registration;
import java.util.List;

/**
 * Registers {@code io.berth.sandbox.controller.v1.podsandbox}: pods in pinned namespaces with CNI networking,
 * records in {@code <root>/sandboxes.db}, namespaces and files under the state directory.
 */
public final class PodSandboxPlugin implements PluginProvider {
    /** The plugin id, the name a runtime handler's {@code sandboxer} refers to. */
    public static final String ID = "podsandbox";

    @Override
    public List<Registration> registrations() {
        return List.of(Registration.builder(PluginTypes.SANDBOX_CONTROLLER, ID)
                .init(ctx -> new PodSandboxController(ctx.root(), ctx.state(), PodSandboxSettings.from(ctx.config()))));
    }
}
