package dev.berth.cri.containers;

import com.google.protobuf.ByteString;
import dev.berth.api.cri.v1.CheckpointContainerRequest;
import dev.berth.api.cri.v1.ContainerEventResponse;
import dev.berth.api.cri.v1.ContainerEventType;
import dev.berth.api.cri.v1.ContainerStatsFilter;
import dev.berth.api.cri.v1.ContainerStatsResponse;
import dev.berth.api.cri.v1.ContainerStatusResponse;
import dev.berth.api.cri.v1.CreateContainerRequest;
import dev.berth.api.cri.v1.CreateContainerResponse;
import dev.berth.api.cri.v1.AttachRequest;
import dev.berth.api.cri.v1.ExecRequest;
import dev.berth.api.cri.v1.ExecSyncRequest;
import dev.berth.api.cri.v1.ExecSyncResponse;
import dev.berth.api.cri.v1.ListContainerStatsResponse;
import dev.berth.api.cri.v1.ListContainersResponse;
import dev.berth.api.cri.v1.LinuxContainerResources;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.mount.Mount;
import dev.berth.core.runtime.CheckpointRequest;
import dev.berth.core.runtime.ContainerSpec;
import dev.berth.core.runtime.ContainerState;
import dev.berth.core.runtime.ContainerStatus;
import dev.berth.core.runtime.ExecResult;
import dev.berth.core.runtime.RuntimeEvent;
import dev.berth.core.runtime.CgroupDriver;
import dev.berth.core.runtime.RuntimeFeatures;
import dev.berth.core.runtime.RuntimeShim;
import dev.berth.core.runtime.StreamRequest;
import dev.berth.cri.streaming.StreamTarget;
import dev.berth.core.sandbox.SandboxState;
import dev.berth.core.snapshot.Snapshotter;
import dev.berth.cri.Ids;
import dev.berth.cri.InFlight;
import dev.berth.cri.images.ImageRecord;
import dev.berth.cri.images.Images;
import dev.berth.cri.registry.ImageConfig;
import dev.berth.cri.sandboxes.PodSandboxes;
import dev.berth.cri.snapshots.Snapshotters;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The container part of the CRI: records what the kubelet asked for, prepares the writable layer in the snapshotter,
 * and drives the runtime shim of the pod's runtime handler through the SPI. It never touches runc, conmon or cgroups.
 */
public final class Containers implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Containers.class);
    /** ExecSync output kept per stream: the kubelet reads it into memory. */
    static final int EXEC_OUTPUT_CAP = 16 << 20;
    /** How many events a slow GetContainerEvents client may fall behind before it is cut off. */
    private static final int EVENT_BACKLOG = 4096;
    private static final String NO_SUCH_CONTAINER = "the runtime has no such container";

    private final ContainerIndex index;
    private final PodSandboxes sandboxes;
    private final Images images;
    private final Snapshotters snapshotters;
    private final Map<String, RuntimeShim> shims;
    private final Clock clock;
    /** CreateContainer calls in flight by (sandbox, name, attempt): a kubelet retry joins the first call. */
    private final InFlight<NameKey> inFlight = new InFlight<>("CreateContainer");
    private final List<Consumer<RuntimeEvent>> listeners = new CopyOnWriteArrayList<>();
    private final List<AutoCloseable> subscriptions = new ArrayList<>();

    /**
     * @param images       resolves image names; null when no image service runs
     * @param snapshotters where each runtime handler's containers get their writable layers
     * @param shims        running runtime shim plugins by id
     */
    public Containers(Path storeFile, PodSandboxes sandboxes, Images images, Snapshotters snapshotters,
                      Map<String, RuntimeShim> shims) {
        this.index = new ContainerIndex(storeFile);
        this.sandboxes = sandboxes;
        this.images = images;
        this.snapshotters = snapshotters;
        this.shims = new LinkedHashMap<>(shims);
        this.clock = Clock.systemUTC();
        for (RuntimeShim shim : this.shims.values()) {
            // a sandbox's infra container is the runtime's, not a CRI container: its events are not the kubelet's
            subscriptions.add(shim.subscribe(e -> {
                if (!listeners.isEmpty() && !sandboxes.isSandbox(e.containerId())) {
                    listeners.forEach(l -> l.accept(e));
                }
            }));
        }
        reconcile();
    }


    /** After a crash between the steps of create or remove: what has no record goes. */
    private void reconcile() {
        Map<String, ContainerRecord> records = new LinkedHashMap<>();
        index.records().forEach(r -> records.put(r.id(), r));
        for (ContainerRecord r : records.values()) {
            RuntimeShim shim = shims.get(r.runtime());
            if (shim != null && !shimKnows(shim, r.id())) {
                // the daemon died inside CreateContainer before the runtime recorded it: the create never completed
                LOG.warn("container {}: its create was cut short (the runtime never recorded it); removing it", r.id());
                snapshotterOf(r).ifPresent(snapshots -> {
                    quietly(() -> snapshots.remove(r.snapshotKey()));
                    quietly(() -> ImageVolumes.remove(snapshots, r.id(), r.containerConfig()));
                });
                index.remove(r.id());
            }
        }
        records.keySet().retainAll(index.records().stream().map(ContainerRecord::id).toList());
        for (RuntimeShim shim : shims.values()) {
            for (ContainerStatus s : shim.list()) {
                if (!records.containsKey(s.id()) && !sandboxes.isSandbox(s.id())) {
                    LOG.warn("container {}: known to the runtime but not to CRI (a create or remove was cut short); deleting it", s.id());
                    quietly(() -> shim.delete(s.id()));
                }
            }
        }
        snapshotters.running().forEach((id, snapshots) -> removeOrphans(id, snapshots, records.keySet()));
    }

    /** Writable layers and image volume views in {@code snapshots} whose container has no record. */
    private static void removeOrphans(String snapshotter, Snapshotter snapshots, java.util.Set<String> containers) {
        List<String> orphans = new ArrayList<>();
        snapshots.walk(i -> i.kind() == dev.berth.core.snapshot.Kind.ACTIVE && i.name().matches("[0-9a-f]{64}")
                && !containers.contains(i.name()), i -> orphans.add(i.name()));
        snapshots.walk(i -> i.kind() == dev.berth.core.snapshot.Kind.VIEW && ImageVolumes.owner(i.name()) != null
                && !containers.contains(ImageVolumes.owner(i.name())), i -> orphans.add(i.name()));
        for (String key : orphans) {
            LOG.warn("container layer or image volume {} in snapshotter {}: no container record; removing it", key, snapshotter);
            quietly(() -> snapshots.remove(key));
        }
    }

    /** The snapshotter holding {@code r}'s writable layer, if it is running. */
    private Optional<Snapshotter> snapshotterOf(ContainerRecord r) {
        return snapshotters.find(snapshotterId(r));
    }

    /** Records from before handlers had their own snapshotter name none: theirs was the default. */
    private String snapshotterId(ContainerRecord r) {
        return r.snapshotter().isEmpty() ? snapshotters.defaultId() : r.snapshotter();
    }

    private static boolean shimKnows(RuntimeShim shim, String id) {
        try {
            shim.status(id);
            return true;
        } catch (BerthException e) {
            if (e.kind() == ErrorKind.NOT_FOUND) {
                return false;
            }
            throw e;
        }
    }

    // ---------------------------------------------------------------- create / start / stop / remove

    public CreateContainerResponse create(CreateContainerRequest r) {
        String sandboxId = required(r.getPodSandboxId(), "pod_sandbox_id");
        String name = required(r.getConfig().getMetadata().getName(), "config.metadata.name");
        required(r.getConfig().getImage().getImage(), "config.image.image");
        PodSandboxes.Sandbox sandbox = sandboxes.sandbox(sandboxId);
        if (sandbox.status().state() != SandboxState.READY) {
            throw BerthException.failedPrecondition("sandbox %s is %s, not ready: containers cannot be created in it",
                    sandbox.status().id(), sandbox.status().state().name().toLowerCase());
        }
        NameKey key = new NameKey(sandbox.status().id(), name, r.getConfig().getMetadata().getAttempt());
        String id = inFlight.run(key, () -> create(key, sandbox, r), this::remove);
        return CreateContainerResponse.newBuilder().setContainerId(id).build();
    }

    private String create(NameKey key, PodSandboxes.Sandbox sandbox, CreateContainerRequest r) {
        index.entries().stream().filter(key::matches).findFirst().ifPresent(c -> {
            throw BerthException.alreadyExists("container name \"%s\" (attempt %d) is already used in sandbox %s by container %s",
                    key.name(), key.attempt(), key.sandboxId(), c.record().id());
        });
        String runtime = sandbox.handler().runtime();
        RuntimeShim shim = shim(runtime);
        if (images == null) {
            throw BerthException.failedPrecondition("containers need an image service; see berthctl plugins ls");
        }
        Snapshotter snapshots = snapshotters.of(sandbox.handler());
        String snapshotter = snapshotters.idOf(sandbox.handler());
        String ref = r.getConfig().getImage().getImage();
        ImageRecord image = images.resolve(ref)
                .orElseThrow(() -> BerthException.notFound("image \"%s\" not found: pull it first (config.image.image)", ref));
        Map<Integer, ImageRecord> volumeImages = ImageVolumes.resolve(r.getConfig().getMountsList(), images);
        ImageConfig imageConfig = images.config(image);
        // the pull unpacked into its handler's snapshotter; a pod of another handler needs the image in its own
        String parent = images.unpacked(image, snapshotter);
        volumeImages.values().forEach(v -> images.unpacked(v, snapshotter));
        String logPath = ContainerSpecConversion.logPath(sandbox.status().config(), r.getConfig());
        String id = Ids.random();
        ContainerRecord record = ContainerRecord.of(id, key.sandboxId(), runtime, image.id(), imageName(image), id,
                logPath, ContainerStatusConversion.nanos(clock.instant()),
                ContainerSpecConversion.stopSignal(r.getConfig(), imageConfig), r.getConfig(), snapshotter);
        long t0 = System.nanoTime();
        index.put(record);
        boolean layer = false;
        try {
            long t1 = System.nanoTime();
            List<Mount> rootfs = snapshots.prepare(id, parent, Map.of());
            layer = true;
            Map<Integer, List<Mount>> volumes = ImageVolumes.prepare(snapshots, id, volumeImages);
            long t2 = System.nanoTime();
            ContainerSpec spec = ContainerSpecConversion.toSpec(id, r.getConfig(), sandbox.status(), imageConfig, rootfs, logPath,
                    sandbox.handler().runtimePath(), volumes);
            shim.create(spec);
            LOG.debug("container {}: record in {} ms, layer in {} ms, runtime create in {} ms", id, (t1 - t0) / 1_000_000,
                    (t2 - t1) / 1_000_000, (System.nanoTime() - t2) / 1_000_000);
        } catch (RuntimeException e) {
            if (layer) {
                quietly(() -> snapshots.remove(id));
            }
            quietly(() -> ImageVolumes.remove(snapshots, id, r.getConfig()));
            index.remove(id);
            throw e;
        }
        LOG.info("container {} ({}) created in sandbox {} from {}", id, key.name(), key.sandboxId(), ref);
        return id;
    }

    public void start(String idOrPrefix) {
        ContainerRecord r = record(idOrPrefix);
        shim(r.runtime()).start(r.id());
    }

    /** Stops the container: its stop signal, then SIGKILL after {@code timeoutSeconds}; stopping a stopped one succeeds. */
    public void stop(String idOrPrefix, long timeoutSeconds) {
        ContainerRecord r = record(idOrPrefix);
        stop(r, Duration.ofSeconds(Math.max(0, timeoutSeconds)));
    }

    private void stop(ContainerRecord r, Duration timeout) {
        shim(r.runtime()).stop(r.id(), r.stopSignal(), timeout);
    }

    /**
     * Force-stops and removes the container, its writable layer and its image volumes' views; removing an absent
     * container succeeds.
     */
    public void remove(String idOrPrefix) {
        Optional<ContainerIndex.Entry> found = find(idOrPrefix);
        if (found.isEmpty()) {
            LOG.debug("RemoveContainer {}: no such container", idOrPrefix);
            return;
        }
        remove(found.get().record());
    }

    private void remove(ContainerRecord r) {
        RuntimeShim shim = shims.get(r.runtime());
        if (shim != null) {
            shim.delete(r.id());
        } else {
            LOG.warn("container {}: runtime {} is not running; removing the record only", r.id(), r.runtime());
        }
        Optional<Snapshotter> snapshots = snapshotterOf(r);
        if (snapshots.isPresent()) {
            ImageVolumes.remove(snapshots.get(), r.id(), r.containerConfig());
            try {
                snapshots.get().remove(r.snapshotKey());
            } catch (BerthException e) {
                if (e.kind() != ErrorKind.NOT_FOUND) {
                    throw e;
                }
            }
        } else {
            LOG.warn("container {}: snapshotter {} is not running; its writable layer stays", r.id(), snapshotterId(r));
        }
        index.remove(r.id());
    }

    /** StopPodSandbox: every container of the pod is killed now (the kubelet stopped them gracefully before). */
    public void stopAll(String sandboxId) {
        for (ContainerRecord r : ofSandbox(sandboxId)) {
            RuntimeShim shim = shims.get(r.runtime());
            if (shim != null && shimKnows(shim, r.id())) {
                stop(r, Duration.ZERO); // one the runtime does not know has nothing running to stop
            }
        }
    }

    /** RemovePodSandbox: every container of the pod goes. */
    public void removeAll(String sandboxId) {
        for (ContainerRecord r : ofSandbox(sandboxId)) {
            remove(r);
        }
    }

    private List<ContainerRecord> ofSandbox(String sandboxId) {
        return index.records().stream().filter(r -> r.sandboxId().equals(sandboxId)).toList();
    }

    // ---------------------------------------------------------------- status / list

    public ContainerStatusResponse status(String idOrPrefix, boolean verbose) {
        ContainerRecord r = record(idOrPrefix);
        ContainerStatus s = shimStatus(r);
        ContainerStatusResponse.Builder b = ContainerStatusResponse.newBuilder()
                .setStatus(ContainerStatusConversion.toStatus(r, s));
        if (verbose) {
            b.putInfo("info", ContainerStatusConversion.verboseInfo(r, s));
        }
        return b.build();
    }

    public ListContainersResponse list(dev.berth.api.cri.v1.ContainerFilter filter) {
        List<ContainerView> views = views(ContainerFilter.of(filter));
        List<dev.berth.api.cri.v1.Container> items = new ArrayList<>(views.size());
        for (ContainerView v : views) {
            items.add(v.listed());
        }
        return ListContainersResponse.newBuilder().addAllContainers(items).build();
    }

    /**
     * Every container that passes {@code filter}, oldest first, with its state from one bulk {@link RuntimeShim#list}
     * per runtime: no file is read per container. Records are read before states, so a container whose create
     * completes meanwhile is not reported UNKNOWN.
     */
    private List<ContainerView> views(Predicate<ContainerView> filter) {
        List<ContainerIndex.Entry> entries = index.entries();
        Map<String, Map<String, ContainerStatus>> states = new LinkedHashMap<>();
        List<ContainerView> out = new ArrayList<>();
        for (ContainerIndex.Entry e : entries) {
            ContainerRecord r = e.record();
            ContainerStatus s = states.computeIfAbsent(r.runtime(), this::shimStates).get(r.id());
            ContainerView v = new ContainerView(e, s != null ? s : unknown(r,
                    shims.containsKey(r.runtime()) ? NO_SUCH_CONTAINER : notRunning(r)));
            if (filter.test(v)) {
                out.add(v);
            }
        }
        out.sort(Comparator.comparingLong(v -> v.record().createdAt()));
        return out;
    }

    /** What the runtime {@code runtime} holds, by container id; nothing when it is not running. */
    private Map<String, ContainerStatus> shimStates(String runtime) {
        RuntimeShim shim = shims.get(runtime);
        Map<String, ContainerStatus> out = new java.util.HashMap<>();
        if (shim != null) {
            shim.list().forEach(s -> out.put(s.id(), s));
        }
        return out;
    }

    /** The shim's status; a container its shim lost (or whose shim is not running) is UNKNOWN, not an error. */
    private ContainerStatus shimStatus(ContainerRecord r) {
        RuntimeShim shim = shims.get(r.runtime());
        String why = notRunning(r);
        if (shim != null) {
            try {
                return shim.status(r.id());
            } catch (BerthException e) {
                if (e.kind() != ErrorKind.NOT_FOUND) {
                    throw e;
                }
                why = NO_SUCH_CONTAINER;
            }
        }
        return unknown(r, why);
    }

    private static String notRunning(ContainerRecord r) {
        return "runtime " + r.runtime() + " is not running";
    }

    private static ContainerStatus unknown(ContainerRecord r, String why) {
        return new ContainerStatus(r.id(), ContainerState.UNKNOWN, 0, null, null, null, 0, "", why, null);
    }

    // ---------------------------------------------------------------- update / logs / exec

    public void update(String idOrPrefix, LinuxContainerResources resources) {
        ContainerRecord r = record(idOrPrefix);
        shim(r.runtime()).update(r.id(), ContainerSpecConversion.resources(resources));
    }

    public void reopenLog(String idOrPrefix) {
        ContainerRecord r = record(idOrPrefix);
        shim(r.runtime()).reopenLog(r.id());
    }

    public ExecSyncResponse execSync(ExecSyncRequest q) {
        if (q.getCmdCount() == 0) {
            throw BerthException.invalidArgument("cmd is required");
        }
        if (q.getTimeout() < 0) {
            throw BerthException.invalidArgument("timeout must not be negative, got %d", q.getTimeout());
        }
        ContainerRecord r = record(q.getContainerId());
        ExecResult x = shim(r.runtime()).execSync(r.id(), q.getCmdList(), Duration.ofSeconds(q.getTimeout()), EXEC_OUTPUT_CAP);
        return ExecSyncResponse.newBuilder().setStdout(ByteString.copyFrom(x.stdout()))
                .setStderr(ByteString.copyFrom(x.stderr())).setExitCode(x.exitCode()).build();
    }

    /**
     * Checks an Exec against the container as it is now; the returned target runs the command when the client
     * connects to the streaming URL.
     *
     * @throws BerthException INVALID_ARGUMENT for a bad request; NOT_FOUND; FAILED_PRECONDITION unless running
     */
    public StreamTarget.Process execTarget(ExecRequest q) {
        StreamRequest request = StreamRequests.exec(q);
        ContainerRecord r = running(q.getContainerId(), "exec in");
        RuntimeShim shim = shim(r.runtime());
        return new StreamTarget.Process(StreamTarget.Kind.EXEC, r.id(), request, req -> shim.exec(r.id(), req));
    }

    /** As {@link #execTarget}, for an attach to the container's own process. */
    public StreamTarget.Process attachTarget(AttachRequest q) {
        ContainerRecord r = running(q.getContainerId(), "attach to");
        StreamRequest request = StreamRequests.attach(q, r.containerConfig());
        RuntimeShim shim = shim(r.runtime());
        return new StreamTarget.Process(StreamTarget.Kind.ATTACH, r.id(), request, req -> shim.attach(r.id(), req));
    }

    private ContainerRecord running(String idOrPrefix, String what) {
        ContainerRecord r = record(idOrPrefix);
        ContainerState state = shim(r.runtime()).status(r.id()).state();
        if (state != ContainerState.RUNNING) {
            throw BerthException.failedPrecondition("cannot %s container %s: it is %s, not running", what, r.id(),
                    state.name().toLowerCase(java.util.Locale.ROOT));
        }
        return r;
    }

    // ---------------------------------------------------------------- checkpoint

    /**
     * CheckpointContainer: the running container's processes, spec and writable-layer changes into the archive at
     * {@code location}; the container keeps running.
     *
     * @throws BerthException INVALID_ARGUMENT naming the bad field; NOT_FOUND; FAILED_PRECONDITION unless running or
     *         where the host cannot checkpoint
     */
    public void checkpoint(CheckpointContainerRequest q) {
        Path archive = CheckpointConversion.location(q);
        Duration timeout = CheckpointConversion.timeout(q);
        ContainerRecord r = running(q.getContainerId(), "checkpoint");
        Snapshotter snapshots = snapshotterOf(r).orElseThrow(() -> BerthException.failedPrecondition(
                "snapshotter \"%s\" is not running: the container's writable layer cannot be read", snapshotterId(r)));
        byte[] config = CheckpointConversion.configDump(r, ociRuntime(r), clock.instant());
        shim(r.runtime()).checkpoint(r.id(), new CheckpointRequest(archive, timeout, snapshots.mounts(r.snapshotKey()),
                Map.of(CheckpointConversion.CONFIG_DUMP, config)));
    }

    /** The OCI runtime binary's name that runs {@code r} (its pod's handler's, else its shim plugin's id). */
    private String ociRuntime(ContainerRecord r) {
        try {
            String path = sandboxes.sandbox(r.sandboxId()).handler().runtimePath();
            return path.isEmpty() ? r.runtime() : Path.of(path).getFileName().toString();
        } catch (BerthException e) {
            return r.runtime();
        }
    }

    // ---------------------------------------------------------------- stats

    public ContainerStatsResponse stats(String idOrPrefix) {
        ContainerIndex.Entry e = entry(idOrPrefix);
        return ContainerStatsResponse.newBuilder().setStats(stats(e.record(), e.config())).build();
    }

    public ListContainerStatsResponse listStats(ContainerStatsFilter filter) {
        ListContainerStatsResponse.Builder b = ListContainerStatsResponse.newBuilder();
        for (ContainerView v : views(ContainerFilter.of(filter))) {
            if (v.status().state() == ContainerState.RUNNING) {
                b.addStats(stats(v.record(), v.config()));
            }
        }
        return b.build();
    }

    /**
     * A pod's stats: its running containers' stats, and their CPU and memory summed as the pod's. The CRI layer adds
     * the pod's network ({@code metrics.PodMetrics.withNetwork}); process counts are not reported.
     */
    public dev.berth.api.cri.v1.PodSandboxStats podStats(dev.berth.api.cri.v1.PodSandboxStatus pod) {
        List<dev.berth.api.cri.v1.ContainerStats> each = new ArrayList<>();
        for (ContainerView v : views(ContainerFilter.of(dev.berth.api.cri.v1.ContainerFilter.newBuilder()
                .setPodSandboxId(pod.getId()).build()))) {
            if (v.record().sandboxId().equals(pod.getId()) && v.status().state() == ContainerState.RUNNING) {
                each.add(stats(v.record(), v.config()));
            }
        }
        return ContainerStatsConversion.podStats(pod, each, ContainerStatusConversion.nanos(clock.instant()));
    }

    private dev.berth.api.cri.v1.ContainerStats stats(ContainerRecord r, dev.berth.api.cri.v1.ContainerConfig c) {
        dev.berth.core.runtime.ContainerStats s = shim(r.runtime()).stats(r.id());
        dev.berth.core.snapshot.Usage layer = null;
        Snapshotter snapshots = snapshotterOf(r).orElse(null);
        if (snapshots != null) {
            try {
                layer = snapshots.usage(r.snapshotKey());
            } catch (BerthException e) {
                if (e.kind() != ErrorKind.NOT_FOUND) {
                    throw e;
                }
            }
        }
        return ContainerStatsConversion.toCri(r, c, s, layer, snapshots == null ? "" : snapshots.activeDir(r.snapshotKey()).toString());
    }

    // ---------------------------------------------------------------- events

    /**
     * GetContainerEvents: sends every container event from now on to {@code sink} until {@code cancelled} says the
     * caller went away or the caller falls {@value #EVENT_BACKLOG} events behind.
     */
    public void events(Consumer<ContainerEventResponse> sink, BooleanSupplier cancelled) throws InterruptedException {
        BlockingQueue<RuntimeEvent> queue = new LinkedBlockingQueue<>(EVENT_BACKLOG);
        boolean[] overflow = {false};
        Consumer<RuntimeEvent> listener = e -> {
            if (!queue.offer(e)) {
                overflow[0] = true;
            }
        };
        listeners.add(listener);
        try {
            while (!cancelled.getAsBoolean()) {
                if (overflow[0]) {
                    throw BerthException.resourceExhausted("the event stream fell more than %d events behind", EVENT_BACKLOG);
                }
                RuntimeEvent e = queue.poll(500, TimeUnit.MILLISECONDS);
                if (e != null) {
                    event(e).ifPresent(sink);
                }
            }
        } finally {
            listeners.remove(listener);
        }
    }

    private Optional<ContainerEventResponse> event(RuntimeEvent e) {
        ContainerEventType type = switch (e.type()) {
            case CREATED -> ContainerEventType.CONTAINER_CREATED_EVENT;
            case STARTED -> ContainerEventType.CONTAINER_STARTED_EVENT;
            case STOPPED -> ContainerEventType.CONTAINER_STOPPED_EVENT;
            case DELETED -> ContainerEventType.CONTAINER_DELETED_EVENT;
        };
        ContainerEventResponse.Builder b = ContainerEventResponse.newBuilder().setContainerId(e.containerId())
                .setContainerEventType(type).setCreatedAt(ContainerStatusConversion.nanos(e.at()));
        Optional<ContainerRecord> r = index.get(e.containerId()).map(ContainerIndex.Entry::record);
        if (r.isPresent() && e.type() != RuntimeEvent.Type.DELETED) {
            b.addContainersStatuses(ContainerStatusConversion.toStatus(r.get(), shimStatus(r.get())));
            try {
                b.setPodSandboxStatus(sandboxes.status(dev.berth.api.cri.v1.PodSandboxStatusRequest.newBuilder()
                        .setPodSandboxId(r.get().sandboxId()).build()).getStatus());
            } catch (BerthException gone) {
                // the pod went first; the event still tells about the container
            }
        }
        return Optional.of(b.build());
    }

    /**
     * The cgroup driver of the runtime shim plugin {@code runtime}.
     *
     * @throws BerthException FAILED_PRECONDITION naming the plugin when it is not running
     */
    public CgroupDriver cgroupDriver(String runtime) {
        return shim(runtime).cgroupDriver();
    }

    /**
     * What the OCI runtime {@code runtimePath} ("" for the plugin's default) of the runtime shim plugin
     * {@code runtime} supports; nothing extra when that plugin is not running.
     */
    public RuntimeFeatures features(String runtime, String runtimePath) {
        RuntimeShim s = shims.get(runtime);
        return s == null ? RuntimeFeatures.NONE : s.features(runtimePath);
    }

    /**
     * Whether the runtime shim plugin {@code runtime} applies supplemental groups policies and reports each
     * container's user; false when that plugin is not running.
     */
    public boolean supplementalGroupsPolicy(String runtime) {
        RuntimeShim s = shims.get(runtime);
        return s != null && s.supplementalGroupsPolicy();
    }

    // ---------------------------------------------------------------- helpers

    private RuntimeShim shim(String runtime) {
        RuntimeShim s = shims.get(runtime);
        if (s == null) {
            throw BerthException.failedPrecondition("runtime \"%s\" (an io.berth.runtime.v2 plugin) is not running%s", runtime,
                    shims.isEmpty() ? "" : " (running: " + String.join(", ", shims.keySet()) + ")");
        }
        return s;
    }

    private ContainerRecord record(String idOrPrefix) {
        return entry(idOrPrefix).record();
    }

    private ContainerIndex.Entry entry(String idOrPrefix) {
        return find(idOrPrefix).orElseThrow(() -> BerthException.notFound("container %s not found", idOrPrefix));
    }

    /** The container with this id, or the only one whose id starts with it (crictl's short ids). */
    private Optional<ContainerIndex.Entry> find(String idOrPrefix) {
        if (idOrPrefix.isEmpty()) {
            throw BerthException.invalidArgument("container_id is required");
        }
        Optional<ContainerIndex.Entry> exact = index.get(idOrPrefix);
        if (exact.isPresent()) {
            return exact;
        }
        List<ContainerIndex.Entry> byPrefix = index.entries().stream()
                .filter(e -> e.record().id().startsWith(idOrPrefix)).toList();
        if (byPrefix.size() > 1) {
            throw BerthException.invalidArgument("container_id %s is ambiguous: it starts %d container ids", idOrPrefix,
                    byPrefix.size());
        }
        return byPrefix.stream().findFirst();
    }

    private static String imageName(ImageRecord i) {
        return !i.repoDigests().isEmpty() ? i.repoDigests().get(0) : i.id();
    }

    private static String required(String v, String field) {
        if (v.isEmpty()) {
            throw BerthException.invalidArgument("%s is required", field);
        }
        return v;
    }

    private static void quietly(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.warn("cleanup failed: {}", e.getMessage());
        }
    }

    @Override
    public void close() {
        for (AutoCloseable s : subscriptions) {
            try {
                s.close();
            } catch (Exception e) {
                LOG.debug("closing a shim subscription: {}", e.getMessage());
            }
        }
        index.close();
    }

    /** A container's name in its pod: the CRI allows one live container per (sandbox, name, attempt). */
    private record NameKey(String sandboxId, String name, int attempt) {
        boolean matches(ContainerIndex.Entry e) {
            if (!e.record().sandboxId().equals(sandboxId)) {
                return false;
            }
            var m = e.config().getMetadata();
            return m.getName().equals(name) && m.getAttempt() == attempt;
        }

        @Override
        public String toString() {
            return name + " (attempt " + attempt + ") in sandbox " + sandboxId;
        }
    }

    /** The host pid of the container's first process, 0 unless it runs: metrics read its {@code /proc} entries. */
    public long pid(String idOrPrefix) {
        return shimStatus(record(idOrPrefix)).pid();
    }
}
