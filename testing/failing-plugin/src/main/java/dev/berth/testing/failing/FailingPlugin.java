package dev.berth.testing.failing;

import dev.berth.core.plugin.PluginProvider;
import dev.berth.core.plugin.Registration;
import java.util.List;

/**
 * A third-party-style plugin for itests: dropped into a plugin directory, its init throws, so the daemon must
 * list it as {@code error} and keep serving (or refuse to start when it is in required_plugins). Setting
 * {@code fail = false} in its section lets it start, which proves its config reaches it.
 */
public final class FailingPlugin implements PluginProvider {
    @Override
    public List<Registration> registrations() {
        return List.of(Registration.builder("io.berth.test.v1", "failing").init(ctx -> {
            if (ctx.config().getBoolean("fail")) {
                throw new IllegalStateException("failing on purpose: " + ctx.config().getString("message"));
            }
            return new Object();
        }));
    }
}
