package dev.berth.content;

import dev.berth.core.plugin.PluginProvider;
import dev.berth.core.plugin.PluginTypes;
import dev.berth.core.plugin.Registration;
import java.util.List;

/** Registers {@code io.berth.content.v1.local}; the registry closes the store (and its metadata file) at shutdown. */
public final class LocalContentPlugin implements PluginProvider {
    @Override
    public List<Registration> registrations() {
        return List.of(Registration.builder(PluginTypes.CONTENT, "local")
                .init(ctx -> LocalContentStore.open(ctx.root())));
    }
}
