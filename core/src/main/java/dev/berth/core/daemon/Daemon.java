package dev.berth.core.daemon;

import dev.berth.config.ConfigProblem;
import dev.berth.core.metrics.MetricsHttpServer;
import dev.berth.core.metrics.Metrics;
import dev.berth.core.metrics.ProcessMetrics;
import dev.berth.core.plugin.DaemonInfo;
import dev.berth.core.plugin.PluginInfo;
import dev.berth.core.plugin.PluginState;
import dev.berth.core.plugin.PluginTypes;
import dev.berth.core.registry.DiscoveredPlugin;
import dev.berth.core.registry.InitEnvironment;
import dev.berth.core.registry.PluginRegistry;
import dev.berth.core.registry.StartupException;
import dev.berth.core.server.UnixSocketServer;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running berthd: plugins started in dependency order, their gRPC services on the unix socket, and the
 * optional metrics endpoint. {@link #stop()} undoes it in reverse.
 */
public final class Daemon {
    private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);
    /** The plugin that serves CRI; the node is useless to a kubelet without it, so its absence is shouted. */
    static final String CRI_PLUGIN = PluginTypes.GRPC + ".cri";

    private final DirectoryLocks locks;
    private final PluginRegistry registry;
    private final UnixSocketServer server;
    private final MetricsHttpServer metricsServer;

    private Daemon(DirectoryLocks locks, PluginRegistry registry, UnixSocketServer server, MetricsHttpServer metricsServer) {
        this.locks = locks;
        this.registry = registry;
        this.server = server;
        this.metricsServer = metricsServer;
    }

    public static Daemon start(BootConfig boot, Instant started) throws StartupException, IOException {
        for (ConfigProblem w : boot.loaded().warnings()) {
            LOG.warn("config: {}", w);
        }
        DaemonConfig cfg = boot.daemon();
        BuildInfo build = BuildInfo.load();
        Metrics metrics = new Metrics();
        ProcessMetrics.register(metrics);
        InitEnvironment env = new InitEnvironment(cfg.root(), cfg.state(), boot.loaded()::plugin,
                cfg.disabledPlugins(), cfg.requiredPlugins(),
                new DaemonInfo(build.version(), build.revision(), started, boot.loaded()), metrics);
        List<PluginInfo> unloaded = new ArrayList<>();
        List<DiscoveredPlugin> discovered = boot.discovery().discover(unloaded);
        // Before any plugin runs: a second daemon on the same directories or socket is refused here, not after its
        // plugins' recovery has touched the first one's containers.
        DirectoryLocks locks = DirectoryLocks.acquire(cfg.root(), cfg.state());
        PluginRegistry registry = new PluginRegistry(env);
        UnixSocketServer server;
        MetricsHttpServer metricsServer = null;
        try {
            UnixSocketServer.claim(cfg.grpc().address());
            registry.start(discovered, unloaded);
            PluginStates.register(metrics, registry::plugins);
            if (!cfg.metricsAddress().isEmpty()) {
                metricsServer = MetricsHttpServer.start(cfg.metricsAddress(), metrics);
                LOG.info("metrics on http://{}/metrics", cfg.metricsAddress());
            }
            server = UnixSocketServer.start(cfg.grpc(), registry.grpcServices());
        } catch (StartupException | IOException | RuntimeException e) {
            if (metricsServer != null) {
                metricsServer.close();
            }
            registry.close();
            locks.close();
            throw e;
        }
        reportPlugins(registry.plugins());
        LOG.info("berthd {} serving on {} ({} ms after start)", build.version(), cfg.grpc().address(),
                Duration.between(started, Instant.now()).toMillis());
        return new Daemon(locks, registry, server, metricsServer);
    }

    private static void reportPlugins(List<PluginInfo> plugins) {
        long ok = plugins.stream().filter(p -> p.state() == PluginState.OK).count();
        LOG.info("plugins: {} ok, {} not ok", ok, plugins.size() - ok);
        PluginInfo cri = plugins.stream().filter(p -> p.fullName().equals(CRI_PLUGIN)).findFirst().orElse(null);
        if (cri == null || cri.state() != PluginState.OK) {
            String why = cri == null ? "it is not installed" : "it is " + cri.state().label() + ": " + cri.reason();
            LOG.error("*** CRI IS NOT SERVING: plugin {} is not running because {}. A kubelet cannot use this node. ***", CRI_PLUGIN, why);
        }
    }

    /** Stops serving (in-flight calls get a bounded grace), then closes plugins in reverse init order. */
    public void stop() {
        server.stop(Duration.ofSeconds(10));
        if (metricsServer != null) {
            metricsServer.close();
        }
        registry.close();
        locks.close();
        LOG.info("berthd stopped");
    }
}
