package dev.berth.snapshot.apply;

import dev.berth.core.plugin.PluginProvider;
import dev.berth.core.plugin.PluginTypes;
import dev.berth.core.plugin.Registration;
import java.util.List;

/** Registers {@code io.berth.diff.v1.tar}, the {@link TarApplier}. It has no configuration. */
public final class ApplierPlugin implements PluginProvider {
    @Override
    public List<Registration> registrations() {
        return List.of(Registration.builder(PluginTypes.DIFF, "tar").init(ctx -> new TarApplier()));
    }
}
