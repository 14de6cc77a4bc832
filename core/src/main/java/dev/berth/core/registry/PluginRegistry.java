package dev.berth.core.registry;

import dev.berth.core.plugin.PluginInfo;
import dev.berth.core.plugin.PluginState;
import dev.berth.core.plugin.PluginTypes;
import dev.berth.core.plugin.Registration;
import dev.berth.core.plugin.Requirement;
import io.grpc.ServerServiceDefinition;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts plugins: drops the disabled ones, orders the rest by their requirements, inits each in order and
 * records its state. A plugin that fails or lacks a dependency is marked and skipped over; the daemon goes on
 * unless that plugin is required. A gRPC plugin whose services clash with those of one initialised before it is
 * refused the same way ({@link GrpcServices}). {@link #close()} closes instances in reverse init order.
 */
public final class PluginRegistry implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PluginRegistry.class);

    private final InitEnvironment env;
    private final List<PluginInfo> infos = new CopyOnWriteArrayList<>();
    /** Initialised instances in init order, by registration. */
    private final Map<Registration, Object> instances = Collections.synchronizedMap(new LinkedHashMap<>());
    private final GrpcServices grpcServices = new GrpcServices();

    public PluginRegistry(InitEnvironment env) {
        this.env = env;
    }

    /**
     * Initialises every discovered plugin.
     *
     * @throws StartupException on a dependency cycle or when a required plugin is missing, disabled or failed;
     *                          everything initialised so far is closed first
     */
    public void start(List<DiscoveredPlugin> discovered) throws StartupException {
        start(discovered, List.of());
    }

    /**
     * As {@link #start(List)}, also listing {@code unloaded}: plugin directories whose jars were not loaded at all
     * (see {@link PluginInfo#PLUGIN_DIR}), so {@code plugins ls} and a failing {@code required_plugins} say why.
     */
    public void start(List<DiscoveredPlugin> discovered, List<PluginInfo> unloaded) throws StartupException {
        infos.addAll(unloaded);
        Map<Registration, String> origins = new HashMap<>();
        Map<String, String> seen = new HashMap<>();
        List<Registration> enabled = new ArrayList<>();
        for (DiscoveredPlugin d : discovered) {
            Registration r = d.registration();
            String earlier = seen.putIfAbsent(r.fullName(), d.origin());
            if (earlier != null) {
                record(r, d.origin(), PluginState.ERROR, "duplicate plugin: " + r.fullName() + " is also provided by " + earlier);
            } else if (env.disabledPlugins().contains(r.fullName())) {
                record(r, d.origin(), PluginState.SKIPPED, "disabled by disabled_plugins");
            } else {
                enabled.add(r);
                origins.put(r, d.origin());
            }
        }
        for (String name : env.requiredPlugins()) {
            if (!seen.containsKey(name)) {
                throw new StartupException("required plugin " + name + " is not installed" + notLoaded(unloaded));
            }
            if (env.disabledPlugins().contains(name)) {
                throw new StartupException("required plugin " + name + " is listed in disabled_plugins");
            }
        }
        for (Registration r : InitOrder.sort(enabled)) {
            PluginInfo info = initOne(r, origins.get(r));
            if (info.state() != PluginState.OK && env.requiredPlugins().contains(r.fullName())) {
                close();
                throw new StartupException("required plugin " + r.fullName() + " is " + info.state().label() + ": " + info.reason());
            }
        }
    }

    private static String notLoaded(List<PluginInfo> unloaded) {
        return unloaded.isEmpty() ? "" : unloaded.stream().map(i -> i.origin() + ": " + i.reason())
                .collect(Collectors.joining("; ", " (plugin directories not loaded: ", ")"));
    }

    private PluginInfo initOne(Registration r, String origin) {
        String unmet = unmetRequirement(r);
        if (unmet != null) {
            LOG.warn("plugin {} skipped: {}", r.fullName(), unmet);
            return record(r, origin, PluginState.SKIPPED, unmet);
        }
        long t0 = System.nanoTime();
        try {
            Object instance = r.init().init(new RegistryInitContext(r, env, this));
            if (instance == null) {
                throw new IllegalStateException("init returned no instance");
            }
            String refused = refusal(r, instance);
            if (refused != null) {
                LOG.error("plugin {} refused: {}", r.fullName(), refused);
                closeQuietly(r, instance);
                return record(r, origin, PluginState.ERROR, refused);
            }
            instances.put(r, instance);
            LOG.debug("plugin {} ok in {} ms", r.fullName(), (System.nanoTime() - t0) / 1_000_000);
            return record(r, origin, PluginState.OK, "");
        } catch (Throwable e) { // a plugin's bug, even a LinkageError from a bad jar, must not take the daemon down
            String reason = e.getMessage() == null ? e.toString() : e.getMessage();
            LOG.warn("plugin {} failed to init: {}", r.fullName(), reason, e);
            return record(r, origin, PluginState.ERROR, reason);
        }
    }

    /** Null when an initialised instance may serve, else why not: a gRPC plugin must not take another's services. */
    private String refusal(Registration r, Object instance) {
        if (!r.type().equals(PluginTypes.GRPC)) {
            return null;
        }
        try {
            return grpcServices.claim(r, instance);
        } catch (RuntimeException | LinkageError e) { // services() is the plugin's code
            return "services(): " + (e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }

    /** Null when every non-optional requirement is met, else why not. */
    private String unmetRequirement(Registration r) {
        for (Requirement req : r.requires()) {
            if (req.optional()) {
                continue;
            }
            List<PluginInfo> candidates = infos.stream()
                    .filter(i -> i.type().equals(req.type()) && req.id().map(i.id()::equals).orElse(true))
                    .collect(Collectors.toList());
            if (candidates.stream().noneMatch(i -> i.state() == PluginState.OK)) {
                String detail = candidates.isEmpty() ? "none is installed"
                        : candidates.stream().map(i -> i.fullName() + " is " + i.state().label())
                        .collect(Collectors.joining(", "));
                return "requires " + req + ": " + detail;
            }
        }
        return null;
    }

    private PluginInfo record(Registration r, String origin, PluginState state, String reason) {
        PluginInfo info = new PluginInfo(r.type(), r.id(), state, reason, r.requires(), origin);
        infos.add(info);
        return info;
    }

    /** Every plugin known, in the order it was decided (init order for enabled ones). */
    public List<PluginInfo> plugins() {
        return List.copyOf(infos);
    }

    /** Initialised instances of a type by id, in init order; instances not of {@code as} are left out. */
    public <T> Map<String, T> instances(String type, Class<T> as) {
        Map<String, T> out = new LinkedHashMap<>();
        synchronized (instances) {
            instances.forEach((r, inst) -> {
                if (r.type().equals(type) && as.isInstance(inst)) {
                    out.put(r.id(), as.cast(inst));
                }
            });
        }
        return out;
    }

    /**
     * The gRPC services of the running {@link PluginTypes#GRPC} plugins, for the daemon's socket: no two share a
     * service name (a plugin that would have made them is {@code error}).
     */
    public List<ServerServiceDefinition> grpcServices() {
        return grpcServices.all();
    }

    /** Closes every initialised instance that is {@link AutoCloseable}, last initialised first. */
    @Override
    public void close() {
        List<Map.Entry<Registration, Object>> started;
        synchronized (instances) {
            started = new ArrayList<>(instances.entrySet());
            instances.clear();
        }
        Collections.reverse(started);
        for (Map.Entry<Registration, Object> e : started) {
            closeQuietly(e.getKey(), e.getValue());
        }
    }

    private static void closeQuietly(Registration r, Object instance) {
        if (instance instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception ex) {
                LOG.warn("closing plugin {} failed", r.fullName(), ex);
            }
        }
    }
}
