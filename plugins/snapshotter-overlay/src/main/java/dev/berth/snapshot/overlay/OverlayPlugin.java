package dev.berth.snapshot.overlay;

import dev.berth.core.plugin.PluginProvider;
import dev.berth.core.plugin.PluginTypes;
import dev.berth.core.plugin.Registration;
import java.util.List;

/**
 * Registers {@code io.berth.snapshotter.v1.overlayfs}. Init probes the kernel's overlayfs and cleans up after a
 * crash; the registry closes the snapshotter (and its metadata file) at shutdown.
 */
public final class OverlayPlugin implements PluginProvider {
    /** The plugin id; also the suffix of {@code berth.io/gc.ref.snapshot.overlayfs} labels. */
    public static final String ID = "overlayfs";

    @Override
    public List<Registration> registrations() {
        return List.of(Registration.builder(PluginTypes.SNAPSHOTTER, ID)
                .init(ctx -> OverlaySnapshotter.open(ctx.root())));
    }
}
