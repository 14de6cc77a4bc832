package dev.berth.cri;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValueType;
import dev.berth.core.content.ContentStore;
import dev.berth.core.diff.Applier;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.metrics.Counter;
import dev.berth.core.sandbox.SandboxController;
import dev.berth.core.runtime.RuntimeShim;
import dev.berth.core.snapshot.Snapshotter;
import dev.berth.cri.containers.Containers;
import dev.berth.core.plugin.GrpcServiceProvider;
import dev.berth.core.plugin.InitContext;
import dev.berth.core.plugin.PluginProvider;
import dev.berth.core.plugin.PluginTypes;
import dev.berth.core.plugin.Registration;
import dev.berth.core.plugin.Requirement;
import dev.berth.cri.grpc.ImageServiceBinding;
import dev.berth.cri.grpc.RuntimeServiceBinding;
import dev.berth.cri.images.Images;
import dev.berth.cri.registry.ImagePuller;
import dev.berth.cri.registry.RegistryClient;
import dev.berth.cri.registry.RegistryConfig;
import dev.berth.cri.sandboxes.PodSandboxes;
import dev.berth.cri.sandboxes.RuntimeHandlers;
import dev.berth.cri.sandboxes.SandboxImage;
import dev.berth.cri.snapshots.Snapshotters;
import dev.berth.cri.streaming.StreamEndpoint;
import dev.berth.cri.streaming.StreamSettings;
import io.grpc.ServerServiceDefinition;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers {@code io.berth.grpc.v1.cri}: the kubelet-facing CRI services. The plugins it drives are optional so
 * that CRI always answers: without them {@code Status} says what is missing instead of the socket going silent.
 */
public final class CriPlugin implements PluginProvider {
    private static final Logger LOG = LoggerFactory.getLogger(CriPlugin.class);

    @Override
    public List<Registration> registrations() {
        return List.of(Registration.builder(PluginTypes.GRPC, "cri")
                .requires(Requirement.optionalType(PluginTypes.CONTENT), Requirement.optionalType(PluginTypes.SNAPSHOTTER),
                        Requirement.optionalType(PluginTypes.DIFF),
                        Requirement.optionalType(PluginTypes.SANDBOX_CONTROLLER), Requirement.optionalType(PluginTypes.RUNTIME))
                .init(CriPlugin::init));
    }

    private static Served init(InitContext ctx) {
        // Config errors first, before anything that must be closed is opened.
        RuntimeHandlers handlers = RuntimeHandlers.from(ctx.config());
        Snapshotters snapshotters = Snapshotters.from(ctx.config(), handlers,
                ctx.getAll(PluginTypes.SNAPSHOTTER, Snapshotter.class), ctx.plugins());
        StreamSettings streaming = StreamSettings.from(ctx.config());
        Images images = ctx.getAll(PluginTypes.CONTENT, ContentStore.class).values().stream().findFirst()
                .map(content -> images(ctx, content, snapshotters))
                .orElse(null);
        PodSandboxes sandboxes = new PodSandboxes(handlers, ctx.getAll(PluginTypes.SANDBOX_CONTROLLER, SandboxController.class),
                new SandboxImage(images, ctx.config().getString("sandbox_image"), snapshotters));
        Containers containers = null;
        try {
            containers = new Containers(ctx.root().resolve("containers.db"), sandboxes, images, snapshotters,
                    ctx.getAll(PluginTypes.RUNTIME, RuntimeShim.class));
        } catch (RuntimeException e) {
            if (containers != null) {
                containers.close();
            }
            if (images != null) {
                images.close();
            }
            throw e;
        }
        StreamEndpoint streams = new StreamEndpoint(streaming);
        CriService cri = new CriService(ctx.daemon(), ctx::plugins, images, sandboxes, containers, snapshotters, streams);
        InstrumentedCriService rpc = new InstrumentedCriService(ctx.metrics());
        return new Served(List.of(new RuntimeServiceBinding(rpc, cri).bindService(),
                new ImageServiceBinding(rpc, cri).bindService()), images, containers, streams);
    }

    private static Images images(InitContext ctx, ContentStore content, Snapshotters snapshotters) {
        Config c = ctx.config();
        Duration gcInterval = gcInterval(c);
        String snapshotterId = snapshotters.defaultId();
        Applier applier = ctx.getAll(PluginTypes.DIFF, Applier.class).values().stream().findFirst().orElse(null);
        if (snapshotters.find(snapshotterId).isEmpty() || applier == null) {
            LOG.warn("images are pulled but not unpacked: {}", applier != null
                    ? "snapshotter '" + snapshotterId + "' is not running" : "no layer applier (" + PluginTypes.DIFF + ") is running");
        }
        Counter pulled = ctx.metrics().counter("berth_image_pull_bytes_total",
                "Bytes downloaded from registries: manifests, configs and layers.");
        ImagePuller puller = new ImagePuller(content, new RegistryClient(RegistryConfig.from(c.getConfig("registry"))
                .withPullProgressTimeout(duration(c, "image_pull_progress_timeout", "\"5m\" or \"0\" (off)"))), null,
                n -> pulled.add(n));
        Path root = ctx.root();
        return new Images(content, puller, snapshotters, applier, root.resolve("images.db"),
                c.getString("sandbox_image"), root.getParent(), gcInterval, ctx.metrics());
    }

    private static Duration gcInterval(Config c) {
        Duration d = duration(c, "gc_interval", "\"1h\", \"30m\" or \"0s\" (off)");
        if (d.isZero()) {
            LOG.info("scheduled image garbage collection is off (gc_interval = 0); RemoveImage still collects");
        }
        return d;
    }

    /** A duration string; a bare number would be read as milliseconds, so it is refused. */
    private static Duration duration(Config c, String key, String examples) {
        Duration d;
        try {
            if (c.getValue(key).valueType() != ConfigValueType.STRING) {
                throw new ConfigException.BadValue(key, "a number needs a unit");
            }
            d = c.getDuration(key);
        } catch (ConfigException e) {
            throw BerthException.invalidArgument("%s: want a duration such as %s: %s", key, examples, e.getMessage());
        }
        if (d.isNegative()) {
            throw BerthException.invalidArgument("%s must not be negative, got %s", key, c.getString(key));
        }
        return d;
    }

    /** The services on the socket, and what to close at shutdown. */
    private record Served(List<ServerServiceDefinition> services, Images images, Containers containers,
                          StreamEndpoint streams) implements GrpcServiceProvider, AutoCloseable {
        @Override
        public void close() {
            streams.close();
            containers.close();
            if (images != null) {
                images.close();
            }
        }
    }
}
