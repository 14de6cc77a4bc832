package dev.berth.cri.sandboxes;

import dev.berth.api.cri.v1.ListPodSandboxRequest;
import dev.berth.api.cri.v1.ListPodSandboxResponse;
import dev.berth.api.cri.v1.PodSandboxConfig;
import dev.berth.api.cri.v1.PodSandboxMetadata;
import dev.berth.api.cri.v1.PodSandboxStatusRequest;
import dev.berth.api.cri.v1.PortForwardRequest;
import dev.berth.api.cri.v1.PodSandboxStatusResponse;
import dev.berth.api.cri.v1.RunPodSandboxRequest;
import dev.berth.api.cri.v1.RunPodSandboxResponse;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.plugin.PluginTypes;
import dev.berth.core.sandbox.InfraContainer;
import dev.berth.core.sandbox.NetworkReadiness;
import dev.berth.core.sandbox.SandboxConfig;
import dev.berth.core.sandbox.SandboxController;
import dev.berth.core.sandbox.SandboxState;
import dev.berth.core.sandbox.SandboxStatus;
import dev.berth.cri.Ids;
import dev.berth.cri.InFlight;
import dev.berth.cri.streaming.StreamTarget;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pod sandbox part of the CRI: picks the sandbox controller for a request's runtime handler and drives it
 * through the SPI. It keeps no sandbox state of its own: the controllers' {@link SandboxStatus#config()} is the
 * CRI view (metadata, labels, annotations, handler).
 */
public final class PodSandboxes {
    private static final Logger LOG = LoggerFactory.getLogger(PodSandboxes.class);
    /**
     * How long an infra container gets after its stop signal before it is killed. The pod's containers are stopped
     * before the sandbox, so only a pause process that ignores its stop signal ever makes StopPodSandbox wait this long.
     */
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    /** Sandbox ids removed lately: their infra container's last events may still be under way to GetContainerEvents. */
    private static final int REMOVED_KEPT = 1024;

    private final RuntimeHandlers handlers;
    /** Running sandbox controller plugins by id. */
    private final Map<String, SandboxController> controllers;
    /** The infra container for a pod of a handler in image mode (the sandbox image, pulled on first use). */
    private final Function<RuntimeHandler, InfraContainer> infraOf;
    private final Supplier<String> ids;
    private final Clock clock;
    private final Set<String> removed = Collections.newSetFromMap(Collections.synchronizedMap(
            new LinkedHashMap<>(16, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                    return size() > REMOVED_KEPT;
                }
            }));
    /** RunPodSandbox calls in flight by pod (namespace, name, uid, attempt): a kubelet retry joins the first call. */
    private final InFlight<PodKey> inFlight = new InFlight<>("RunPodSandbox");

    /** Without a sandbox image: pods of handlers in image mode are refused. */
    public PodSandboxes(RuntimeHandlers handlers, Map<String, SandboxController> controllers) {
        this(handlers, controllers, noSandboxImage());
    }

    /** @param infraOf the infra container of a pod of a handler in image mode, e.g. a {@link SandboxImage} */
    public PodSandboxes(RuntimeHandlers handlers, Map<String, SandboxController> controllers,
                        Function<RuntimeHandler, InfraContainer> infraOf) {
        this(handlers, controllers, infraOf, Ids::random, Clock.systemUTC());
    }

    PodSandboxes(RuntimeHandlers handlers, Map<String, SandboxController> controllers, Supplier<String> ids, Clock clock) {
        this(handlers, controllers, noSandboxImage(), ids, clock);
    }

    PodSandboxes(RuntimeHandlers handlers, Map<String, SandboxController> controllers,
                 Function<RuntimeHandler, InfraContainer> infraOf, Supplier<String> ids, Clock clock) {
        this.handlers = handlers;
        this.infraOf = infraOf;
        this.controllers = new LinkedHashMap<>(controllers);
        this.ids = ids;
        this.clock = clock;
        for (RuntimeHandler h : handlers.all()) {
            if (!controllers.containsKey(h.sandboxer())) {
                LOG.warn("runtime handler \"{}\": sandboxer \"{}\" is not running; its pods will fail", h.name(), h.sandboxer());
            }
        }
    }


    // ---------------------------------------------------------------- RPCs

    public RunPodSandboxResponse run(RunPodSandboxRequest r) {
        RuntimeHandler handler = handlers.resolve(r.getRuntimeHandler());
        SandboxController controller = controllerOf(handler);
        PodKey key = PodKey.of(r.getConfig().getMetadata());
        String id = inFlight.run(key, () -> create(controller, handler, r.getConfig()), controller::shutdown);
        return RunPodSandboxResponse.newBuilder().setPodSandboxId(id).build();
    }

    private String create(SandboxController controller, RuntimeHandler handler, PodSandboxConfig cri) {
        String id = ids.get();
        SandboxConfig config = SandboxConfigConversion.toSandboxConfig(id, cri, handler.name());
        if (handler.podInfra() == RuntimeHandler.PodInfra.IMAGE) {
            // before anything is made, so a failed pull leaves nothing behind
            config = config.withInfra(infraOf.apply(handler));
        }
        controller.create(config);
        try {
            controller.start(id);
        } catch (RuntimeException e) {
            // Nothing half-made may remain: the record goes too, so the pod can be retried under the same name.
            try {
                controller.shutdown(id);
            } catch (RuntimeException cleanup) {
                LOG.warn("sandbox {}: removing after failed start: {}", id, cleanup.getMessage());
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        LOG.info("sandbox {} for {}/{} is ready (runtime handler {}, sandboxer {})", id, config.namespace(),
                config.name(), handler.name(), handler.sandboxer());
        return id;
    }

    /** Idempotent: a sandbox that does not exist holds nothing to reclaim, so stopping it succeeds. */
    public void stop(String id) {
        Optional<Found> f = find(id);
        if (f.isEmpty()) {
            LOG.debug("StopPodSandbox {}: no such sandbox; nothing to reclaim", id);
            return;
        }
        f.get().controller().stop(f.get().id(), STOP_TIMEOUT);
    }

    /** Idempotent: removing an absent sandbox succeeds. */
    public void remove(String id) {
        Optional<Found> f = find(id);
        if (f.isEmpty()) {
            LOG.debug("RemovePodSandbox {}: no such sandbox", id);
            return;
        }
        removed.add(f.get().id()); // before its infra container is deleted, see isSandbox
        f.get().controller().shutdown(f.get().id());
    }

    /**
     * Whether {@code id} is (or lately was) a sandbox's: a runtime's container under that id is the sandbox's infra
     * container, not a CRI container, even while its removal's events are still being delivered.
     */
    public boolean isSandbox(String id) {
        if (removed.contains(id)) {
            return true;
        }
        for (SandboxController c : controllers.values()) {
            if (statusOrNull(c, id, false) != null) {
                return true;
            }
        }
        return false;
    }

    public PodSandboxStatusResponse status(PodSandboxStatusRequest r) {
        Found f = find(r.getPodSandboxId())
                .orElseThrow(() -> BerthException.notFound("sandbox %s not found", r.getPodSandboxId()));
        SandboxStatus s = statusOrNull(f.controller(), f.id(), r.getVerbose());
        if (s == null) {
            throw BerthException.notFound("sandbox %s not found", r.getPodSandboxId());
        }
        PodSandboxStatusResponse.Builder resp = PodSandboxStatusResponse.newBuilder()
                .setStatus(SandboxStatusConversion.toPodSandboxStatus(s))
                .setTimestamp(SandboxStatusConversion.nanos(clock.instant()));
        if (r.getVerbose()) {
            resp.putInfo("info", SandboxStatusConversion.verboseInfo(s, f.sandboxer()));
        }
        return resp.build();
    }

    public ListPodSandboxResponse list(ListPodSandboxRequest r) {
        SandboxFilter filter = new SandboxFilter(r.getFilter());
        ListPodSandboxResponse.Builder resp = ListPodSandboxResponse.newBuilder();
        all().stream().filter(filter).sorted(Comparator.comparing(SandboxStatus::createdAt))
                .map(SandboxStatusConversion::toPodSandbox).forEach(resp::addItems);
        return resp.build();
    }

    /**
     * The sandbox with this id (or unique id prefix), as its controller sees it now, with the runtime handler it was
     * created for.
     *
     * @throws BerthException NOT_FOUND naming the id
     */
    public Sandbox sandbox(String idOrPrefix) {
        Found f = find(idOrPrefix).orElseThrow(() -> BerthException.notFound("sandbox %s not found", idOrPrefix));
        SandboxStatus s = statusOrNull(f.controller(), f.id(), false);
        if (s == null) {
            throw BerthException.notFound("sandbox %s not found", idOrPrefix);
        }
        return new Sandbox(s, handlers.resolve(s.config().runtimeHandler()));
    }

    /** A sandbox and the runtime handler that runs it. */
    public record Sandbox(SandboxStatus status, RuntimeHandler handler) {
    }

    /**
     * Opens a connection to {@code port} inside a ready sandbox's network, through the controller that runs it.
     *
     * @throws BerthException NOT_FOUND; FAILED_PRECONDITION unless ready; UNAVAILABLE when nothing listens
     */
    public java.nio.channels.SocketChannel dial(String id, int port) {
        Found f = find(id).orElseThrow(() -> BerthException.notFound("sandbox %s not found", id));
        return f.controller().dial(f.id(), port);
    }

    /**
     * Checks a PortForward against the sandbox as it is now; the returned target dials into the pod when the client
     * opens a stream.
     *
     * @throws BerthException INVALID_ARGUMENT for a port outside 1-65535; NOT_FOUND; FAILED_PRECONDITION unless ready
     */
    public StreamTarget.PortForward portForwardTarget(PortForwardRequest r) {
        for (int port : r.getPortList()) {
            if (port < 1 || port > 65535) {
                throw BerthException.invalidArgument("port must be within 1-65535, got %d", port);
            }
        }
        SandboxStatus s = sandbox(r.getPodSandboxId()).status();
        if (s.state() != SandboxState.READY) {
            throw BerthException.failedPrecondition("cannot forward ports into sandbox %s: it is not ready", s.id());
        }
        String id = s.id();
        return new StreamTarget.PortForward(id, r.getPortList(), port -> dial(id, port));
    }

    /** Ids of every sandbox of every controller. */
    public List<String> ids() {
        return all().stream().map(SandboxStatus::id).toList();
    }

    /** The handler an empty {@code runtime_handler} means; its runtime answers {@code RuntimeConfig}. */
    /** The configured runtime handlers. */
    public RuntimeHandlers handlers() {
        return handlers;
    }

    public RuntimeHandler defaultHandler() {
        return handlers.defaultHandler();
    }

    /**
     * Hands the node's pod CIDRs to every running sandbox controller. All are tried; the first failure is thrown
     * with the others suppressed, so a kubelet retry reaches the ones that failed.
     */
    public void updatePodCidrs(List<String> cidrs) {
        RuntimeException failed = null;
        for (Map.Entry<String, SandboxController> c : controllers.entrySet()) {
            try {
                c.getValue().updatePodCidrs(cidrs);
            } catch (RuntimeException e) {
                LOG.warn("sandboxer \"{}\": pod CIDRs {} not applied: {}", c.getKey(), cidrs, e.getMessage());
                if (failed == null) {
                    failed = e;
                } else {
                    failed.addSuppressed(e);
                }
            }
        }
        if (failed != null) {
            throw failed;
        }
    }

    /**
     * The CRI {@code NetworkReady} condition: whether the default runtime handler's sandbox controller can network
     * new pods.
     */
    public NetworkReadiness networkReadiness() {
        RuntimeHandler h = handlers.defaultHandler();
        SandboxController c = controllers.get(h.sandboxer());
        if (c == null) {
            return NetworkReadiness.notReady(notRunning(h));
        }
        try {
            return c.networkReady();
        } catch (RuntimeException e) {
            return NetworkReadiness.notReady("sandboxer \"" + h.sandboxer() + "\" cannot tell: " + e.getMessage());
        }
    }

    // ---------------------------------------------------------------- helpers

    private static Function<RuntimeHandler, InfraContainer> noSandboxImage() {
        return h -> {
            throw BerthException.failedPrecondition("runtime handler \"%s\" has pod_infra = \"image\", but no sandbox"
                    + " image service runs", h.name());
        };
    }

    private SandboxController controllerOf(RuntimeHandler h) {
        SandboxController c = controllers.get(h.sandboxer());
        if (c == null) {
            throw BerthException.failedPrecondition("%s", notRunning(h));
        }
        return c;
    }

    private String notRunning(RuntimeHandler h) {
        return "runtime handler \"" + h.name() + "\" uses sandboxer \"" + h.sandboxer() + "\", but no "
                + PluginTypes.SANDBOX_CONTROLLER + " plugin \"" + h.sandboxer() + "\" is running"
                + (controllers.isEmpty() ? "" : " (running: " + String.join(", ", controllers.keySet()) + ")");
    }

    private List<SandboxStatus> all() {
        List<SandboxStatus> all = new ArrayList<>();
        controllers.values().stream().distinct().forEach(c -> all.addAll(c.list()));
        return all;
    }

    /** The sandbox with this id, or the only one whose id starts with it (crictl's short ids). */
    private Optional<Found> find(String idOrPrefix) {
        for (Map.Entry<String, SandboxController> e : controllers.entrySet()) {
            if (statusOrNull(e.getValue(), idOrPrefix, false) != null) {
                return Optional.of(new Found(idOrPrefix, e.getKey(), e.getValue()));
            }
        }
        List<Found> byPrefix = new ArrayList<>();
        for (Map.Entry<String, SandboxController> e : controllers.entrySet()) {
            e.getValue().list().stream().filter(s -> s.id().startsWith(idOrPrefix))
                    .forEach(s -> byPrefix.add(new Found(s.id(), e.getKey(), e.getValue())));
        }
        if (byPrefix.size() > 1) {
            throw BerthException.invalidArgument("pod_sandbox_id %s is ambiguous: it starts %d sandbox ids", idOrPrefix,
                    byPrefix.size());
        }
        return byPrefix.stream().findFirst();
    }

    private static SandboxStatus statusOrNull(SandboxController c, String id, boolean verbose) {
        try {
            return c.status(id, verbose);
        } catch (BerthException e) {
            if (e.kind() == ErrorKind.NOT_FOUND) {
                return null;
            }
            throw e;
        }
    }

    private record Found(String id, String sandboxer, SandboxController controller) {
    }

    private record PodKey(String namespace, String name, String uid, int attempt) {
        static PodKey of(PodSandboxMetadata m) {
            return new PodKey(m.getNamespace(), m.getName(), m.getUid(), m.getAttempt());
        }

        @Override
        public String toString() {
            return namespace + "/" + name + " (uid " + uid + ", attempt " + attempt + ")";
        }
    }
}
