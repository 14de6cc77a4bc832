package dev.berth.core.registry;

import com.typesafe.config.Config;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.metrics.Metrics;
import dev.berth.core.plugin.DaemonInfo;
import dev.berth.core.plugin.InitContext;
import dev.berth.core.plugin.PluginInfo;
import dev.berth.core.plugin.Registration;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

/** The {@link InitContext} handed to one plugin, backed by the registry that is starting it. */
final class RegistryInitContext implements InitContext {
    private final Registration registration;
    private final InitEnvironment env;
    private final PluginRegistry registry;

    RegistryInitContext(Registration registration, InitEnvironment env, PluginRegistry registry) {
        this.registration = registration;
        this.env = env;
        this.registry = registry;
    }

    @Override
    public Registration registration() {
        return registration;
    }

    @Override
    public Config config() {
        return env.pluginConfig().apply(registration.fullName());
    }

    @Override
    public Path root() {
        return privateDir(env.root().resolve(registration.fullName()));
    }

    @Override
    public Path state() {
        return privateDir(env.state().resolve(registration.fullName()));
    }

    private static Path privateDir(Path dir) {
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir);
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create plugin directory " + dir, e);
        }
    }

    @Override
    public <T> T get(String type, Class<T> as) {
        return registry.instances(type, as).values().stream().findFirst()
                .orElseThrow(() -> BerthException.notFound("no working plugin of type %s", type));
    }

    @Override
    public <T> T get(String type, String id, Class<T> as) {
        T t = registry.instances(type, as).get(id);
        if (t == null) {
            throw BerthException.notFound("plugin %s.%s is not available", type, id);
        }
        return t;
    }

    @Override
    public <T> Map<String, T> getAll(String type, Class<T> as) {
        return registry.instances(type, as);
    }

    @Override
    public List<PluginInfo> plugins() {
        return registry.plugins();
    }

    @Override
    public DaemonInfo daemon() {
        return env.daemon();
    }

    @Override
    public Metrics metrics() {
        return env.metrics();
    }
}
