package dev.berth.sample.nativesnapshotter;

import com.typesafe.config.Config;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.plugin.PluginProvider;
import dev.berth.core.plugin.PluginTypes;
import dev.berth.core.plugin.Registration;
import java.util.List;
import java.util.Set;

/**
 * Registers {@code io.berth.snapshotter.v1.native}. It requires no other plugin; the CRI plugin, which requires
 * snapshotters (optionally), is therefore initialised after it and unpacks images into it when configured with
 * {@code snapshotter = "native"}. The registry closes the snapshotter at shutdown.
 */
public final class NativeSnapshotterPlugin implements PluginProvider {
    /** The plugin id, also the suffix of the {@code berth.io/gc.ref.snapshot.native} labels naming its snapshots. */
    public static final String ID = "native";
    private static final Set<String> REFLINK = Set.of("auto", "always", "never");

    @Override
    public List<Registration> registrations() {
        return List.of(Registration.builder(PluginTypes.SNAPSHOTTER, ID)
                .init(ctx -> NativeSnapshotter.open(ctx.root(), reflink(ctx.config()))));
    }

    /** {@code reflink}: one of cp's {@code --reflink} modes. */
    static String reflink(Config c) {
        String v = c.getString("reflink");
        if (!REFLINK.contains(v)) {
            throw BerthException.invalidArgument("plugins.\"%s.%s\".reflink: want \"auto\", \"always\" or \"never\", got \"%s\"",
                    PluginTypes.SNAPSHOTTER, ID, v);
        }
        return v;
    }
}
