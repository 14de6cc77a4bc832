package dev.berth.cri;

import dev.berth.api.cri.v1.*;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.json.Json;
import dev.berth.cri.containers.Containers;
import dev.berth.core.plugin.DaemonInfo;
import dev.berth.core.plugin.PluginInfo;
import dev.berth.core.plugin.PluginTypes;
import dev.berth.cri.images.Images;
import dev.berth.cri.metrics.PodMetrics;
import dev.berth.cri.sandboxes.PodCidrList;
import dev.berth.cri.sandboxes.PodSandboxes;
import dev.berth.cri.snapshots.Snapshotters;
import dev.berth.cri.status.RuntimeConditions;
import dev.berth.cri.streaming.StreamEndpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The CRI's behaviour, free of gRPC: one method per RPC. It decides, and delegates the doing to plugins through
 * their core interfaces; it never touches namespaces, CNI, mounts or runc itself. RPCs whose capability has not
 * landed yet answer UNIMPLEMENTED naming the work that owns them.
 */
public final class CriService {
    /** The CRI API version this runtime speaks ({@code VersionResponse.version}). */
    static final String KUBELET_API_VERSION = "0.1.0";
    static final String RUNTIME_NAME = "berth";
    static final String RUNTIME_API_VERSION = "v1";

    private final DaemonInfo daemon;
    private final Supplier<List<PluginInfo>> plugins;
    private final RuntimeConditions conditions;
    private final Images images;
    private final PodSandboxes sandboxes;
    private final Containers containers;
    private final Snapshotters snapshotters;
    private final PodMetrics metrics;
    private final StreamEndpoint streams;

    /**
     * @param images     the image service part, or null when no content store plugin is running
     * @param sandboxes  the pod sandbox part: runtime handlers and their sandbox controllers
     * @param containers the container part: records, writable layers and runtime shims
     * @param snapshotters each runtime handler's snapshotter
     * @param streams    serves the URLs Exec, Attach and PortForward hand out
     */
    public CriService(DaemonInfo daemon, Supplier<List<PluginInfo>> plugins, Images images, PodSandboxes sandboxes,
                      Containers containers, Snapshotters snapshotters, StreamEndpoint streams) {
        this.daemon = daemon;
        this.plugins = plugins;
        this.conditions = new RuntimeConditions(plugins, sandboxes::networkReadiness);
        this.images = images;
        this.sandboxes = sandboxes;
        this.containers = containers;
        this.snapshotters = snapshotters;
        this.metrics = new PodMetrics(sandboxes, containers);
        this.streams = streams;
    }

    public VersionResponse version(VersionRequest request) {
        return VersionResponse.newBuilder()
                .setVersion(KUBELET_API_VERSION)
                .setRuntimeName(RUNTIME_NAME)
                .setRuntimeVersion(daemon.version())
                .setRuntimeApiVersion(RUNTIME_API_VERSION)
                .build();
    }

    public StatusResponse status(StatusRequest request) {
        StatusResponse.Builder resp = StatusResponse.newBuilder()
                .setStatus(RuntimeStatus.newBuilder().addAllConditions(conditions.conditions()))
                .addAllRuntimeHandlers(runtimeHandlers())
                .setFeatures(dev.berth.api.cri.v1.RuntimeFeatures.newBuilder()
                        .setSupplementalGroupsPolicy(supplementalGroupsPolicy()));
        if (request.getVerbose()) {
            resp.putInfo("config", daemon.config().toJson());
            resp.putInfo("plugins", pluginsJson(plugins.get()));
        }
        return resp.build();
    }

    /**
     * Every configured handler with what its OCI runtime supports, plus the default handler once more under the
     * name "", which the CRI reserves for it.
     */
    private List<RuntimeHandler> runtimeHandlers() {
        List<RuntimeHandler> out = new ArrayList<>();
        dev.berth.cri.sandboxes.RuntimeHandler def = sandboxes.defaultHandler();
        out.add(runtimeHandler("", def));
        for (String name : sandboxes.handlers().names()) {
            out.add(runtimeHandler(name, sandboxes.handlers().resolve(name)));
        }
        return out;
    }

    /**
     * The feature is runtime-wide, while each handler may run its containers with another shim: it holds only when
     * every handler's shim applies the policy and reports ContainerStatus.user.
     */
    private boolean supplementalGroupsPolicy() {
        if (!containers.supplementalGroupsPolicy(sandboxes.defaultHandler().runtime())) {
            return false;
        }
        for (String name : sandboxes.handlers().names()) {
            if (!containers.supplementalGroupsPolicy(sandboxes.handlers().resolve(name).runtime())) {
                return false;
            }
        }
        return true;
    }

    private RuntimeHandler runtimeHandler(String name, dev.berth.cri.sandboxes.RuntimeHandler h) {
        dev.berth.core.runtime.RuntimeFeatures f = containers.features(h.runtime(), h.runtimePath());
        return RuntimeHandler.newBuilder().setName(name).setFeatures(RuntimeHandlerFeatures.newBuilder()
                .setRecursiveReadOnlyMounts(f.recursiveReadOnlyMounts())
                .setUserNamespaces(f.userNamespaces())).build();
    }

    private static String pluginsJson(List<PluginInfo> infos) {
        return infos.stream().map(p -> "{\"type\":" + Json.quote(p.type()) + ",\"id\":" + Json.quote(p.id())
                + ",\"status\":" + Json.quote(p.state().label()) + ",\"reason\":" + Json.quote(p.reason()) + "}")
                .collect(Collectors.joining(",", "[", "]"));
    }

    // ---- pod sandboxes ----
    public RunPodSandboxResponse runPodSandbox(RunPodSandboxRequest r) {
        // a pod whose containers could get no root file system is refused before its network is made
        snapshotters.of(snapshotters.handler(r.getRuntimeHandler()));
        requireUserNamespaces(r);
        return sandboxes.run(r);
    }

    /** A pod asking for a user namespace of its own is refused when its handler's Status feature says no. */
    private void requireUserNamespaces(RunPodSandboxRequest r) {
        NamespaceOption o = r.getConfig().getLinux().getSecurityContext().getNamespaceOptions();
        if (!o.hasUsernsOptions() || o.getUsernsOptions().getMode() != NamespaceMode.POD) {
            return;
        }
        dev.berth.cri.sandboxes.RuntimeHandler h = sandboxes.handlers().resolve(r.getRuntimeHandler());
        if (!containers.features(h.runtime(), h.runtimePath()).userNamespaces()) {
            throw BerthException.invalidArgument("config.linux.security_context.namespace_options.userns_options.mode "
                    + "POD: runtime handler \"%s\" cannot run pods in a user namespace of their own (Status reports "
                    + "user_namespaces = false; berthd's log says why)", h.name());
        }
    }

    public StopPodSandboxResponse stopPodSandbox(StopPodSandboxRequest r) {
        sandboxId(r.getPodSandboxId()).ifPresent(containers::stopAll);
        sandboxes.stop(r.getPodSandboxId());
        return StopPodSandboxResponse.getDefaultInstance();
    }

    public RemovePodSandboxResponse removePodSandbox(RemovePodSandboxRequest r) {
        sandboxId(r.getPodSandboxId()).ifPresent(containers::removeAll);
        sandboxes.remove(r.getPodSandboxId());
        return RemovePodSandboxResponse.getDefaultInstance();
    }

    /** The full id of the sandbox an id or prefix names, if it exists. */
    private Optional<String> sandboxId(String idOrPrefix) {
        try {
            return Optional.of(sandboxes.sandbox(idOrPrefix).status().id());
        } catch (BerthException e) {
            if (e.kind() == ErrorKind.NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }

    public PodSandboxStatusResponse podSandboxStatus(PodSandboxStatusRequest r) {
        return sandboxes.status(r);
    }

    public ListPodSandboxResponse listPodSandbox(ListPodSandboxRequest r) {
        return sandboxes.list(r);
    }

    public PodSandboxStatsResponse podSandboxStats(PodSandboxStatsRequest r) {
        PodSandboxStatus pod = sandboxes.status(PodSandboxStatusRequest.newBuilder().setPodSandboxId(r.getPodSandboxId())
                .build()).getStatus();
        return PodSandboxStatsResponse.newBuilder().setStats(metrics.withNetwork(containers.podStats(pod))).build();
    }

    /** Stats of every ready pod the filter matches (id or id prefix, labels). */
    public ListPodSandboxStatsResponse listPodSandboxStats(ListPodSandboxStatsRequest r) {
        PodSandboxFilter filter = PodSandboxFilter.newBuilder().setId(r.getFilter().getId())
                .putAllLabelSelector(r.getFilter().getLabelSelectorMap())
                .setState(PodSandboxStateValue.newBuilder().setState(PodSandboxState.SANDBOX_READY)).build();
        ListPodSandboxStatsResponse.Builder b = ListPodSandboxStatsResponse.newBuilder();
        for (PodSandbox p : sandboxes.list(ListPodSandboxRequest.newBuilder().setFilter(filter).build()).getItemsList()) {
            try {
                PodSandboxStatus pod = sandboxes.status(PodSandboxStatusRequest.newBuilder().setPodSandboxId(p.getId())
                        .build()).getStatus();
                b.addStats(metrics.withNetwork(containers.podStats(pod)));
            } catch (BerthException e) {
                if (e.kind() != ErrorKind.NOT_FOUND) {
                    throw e;
                }
            }
        }
        return b.build();
    }

    /** cAdvisor-named metrics of every ready pod and its running containers. */
    public ListPodSandboxMetricsResponse listPodSandboxMetrics(ListPodSandboxMetricsRequest r) {
        return metrics.list();
    }

    /** Every metric ListPodSandboxMetrics can report, with its labels. */
    public ListMetricDescriptorsResponse listMetricDescriptors(ListMetricDescriptorsRequest r) {
        return metrics.descriptors();
    }

    // ---- containers ----
    public CreateContainerResponse createContainer(CreateContainerRequest r) {
        return containers.create(r);
    }

    public StartContainerResponse startContainer(StartContainerRequest r) {
        containers.start(r.getContainerId());
        return StartContainerResponse.getDefaultInstance();
    }

    public StopContainerResponse stopContainer(StopContainerRequest r) {
        containers.stop(r.getContainerId(), r.getTimeout());
        return StopContainerResponse.getDefaultInstance();
    }

    public RemoveContainerResponse removeContainer(RemoveContainerRequest r) {
        containers.remove(r.getContainerId());
        return RemoveContainerResponse.getDefaultInstance();
    }

    public ListContainersResponse listContainers(ListContainersRequest r) {
        return containers.list(r.getFilter());
    }

    public ContainerStatusResponse containerStatus(ContainerStatusRequest r) {
        return containers.status(r.getContainerId(), r.getVerbose());
    }

    public UpdateContainerResourcesResponse updateContainerResources(UpdateContainerResourcesRequest r) {
        containers.update(r.getContainerId(), r.getLinux());
        return UpdateContainerResourcesResponse.getDefaultInstance();
    }

    public ReopenContainerLogResponse reopenContainerLog(ReopenContainerLogRequest r) {
        containers.reopenLog(r.getContainerId());
        return ReopenContainerLogResponse.getDefaultInstance();
    }

    public ExecSyncResponse execSync(ExecSyncRequest r) {
        return containers.execSync(r);
    }

    public ContainerStatsResponse containerStats(ContainerStatsRequest r) {
        return containers.stats(r.getContainerId());
    }

    public ListContainerStatsResponse listContainerStats(ListContainerStatsRequest r) {
        return containers.listStats(r.getFilter());
    }

    /** Server stream: sends each container event to {@code events} until {@code cancelled} says the caller went away. */
    public void getContainerEvents(GetEventsRequest r, Consumer<ContainerEventResponse> events, BooleanSupplier cancelled)
            throws InterruptedException {
        containers.events(events, cancelled);
    }

    // ---- streaming: the call checks the request and hands out a URL; the streaming server does the rest ----
    public ExecResponse exec(ExecRequest r) {
        return ExecResponse.newBuilder().setUrl(streams.register(containers.execTarget(r))).build();
    }

    public AttachResponse attach(AttachRequest r) {
        return AttachResponse.newBuilder().setUrl(streams.register(containers.attachTarget(r))).build();
    }

    public PortForwardResponse portForward(PortForwardRequest r) {
        return PortForwardResponse.newBuilder().setUrl(streams.register(sandboxes.portForwardTarget(r))).build();
    }

    // ---- runtime-wide ----
    /** Passes the node's pod CIDRs to the sandbox controllers; an empty {@code pod_cidr} changes nothing. */
    public UpdateRuntimeConfigResponse updateRuntimeConfig(UpdateRuntimeConfigRequest r) {
        List<String> cidrs = PodCidrList.parse(r.getRuntimeConfig().getNetworkConfig().getPodCidr());
        if (!cidrs.isEmpty()) {
            sandboxes.updatePodCidrs(cidrs);
        }
        return UpdateRuntimeConfigResponse.getDefaultInstance();
    }

    /** The cgroup driver of the default runtime handler's shim, so the kubelet can use the same one. */
    public RuntimeConfigResponse runtimeConfig(RuntimeConfigRequest r) {
        dev.berth.api.cri.v1.CgroupDriver driver = switch (containers.cgroupDriver(sandboxes.defaultHandler().runtime())) {
            case SYSTEMD -> dev.berth.api.cri.v1.CgroupDriver.SYSTEMD;
            case CGROUPFS -> dev.berth.api.cri.v1.CgroupDriver.CGROUPFS;
        };
        return RuntimeConfigResponse.newBuilder()
                .setLinux(LinuxRuntimeConfiguration.newBuilder().setCgroupDriver(driver)).build();
    }

    /** Writes a checkpoint archive of the running container to {@code location}; the container keeps running. */
    /**
     * In-place pod resize: the kubelet calls this after it has resized the pod's cgroup, as a best-effort hook.
     * Berth has nothing more to apply: its pod-level process (the pid namespace holder) lives below that cgroup, and
     * each container's own limits arrive through UpdateContainerResources. So the call checks that the pod exists
     * and that the values could be limits at all.
     */
    public UpdatePodSandboxResourcesResponse updatePodSandboxResources(UpdatePodSandboxResourcesRequest r) {
        sandboxes.sandbox(r.getPodSandboxId());
        checkLimits("overhead", r.getOverhead());
        checkLimits("resources", r.getResources());
        return UpdatePodSandboxResourcesResponse.getDefaultInstance();
    }

    private static void checkLimits(String field, dev.berth.api.cri.v1.LinuxContainerResources l) {
        Map<String, Long> nonNegative = Map.of("cpu_period", l.getCpuPeriod(), "cpu_shares", l.getCpuShares(),
                "memory_limit_in_bytes", l.getMemoryLimitInBytes(), "memory_swap_limit_in_bytes",
                l.getMemorySwapLimitInBytes());
        nonNegative.forEach((name, v) -> {
            if (v < 0) {
                throw BerthException.invalidArgument("%s.%s %d is negative", field, name, v);
            }
        });
        if (l.getOomScoreAdj() < -1000 || l.getOomScoreAdj() > 1000) {
            throw BerthException.invalidArgument("%s.oom_score_adj %d is outside -1000..1000", field, l.getOomScoreAdj());
        }
    }

    public CheckpointContainerResponse checkpointContainer(CheckpointContainerRequest r) {
        containers.checkpoint(r);
        return CheckpointContainerResponse.getDefaultInstance();
    }

    // ---- images ----
    private Images images() {
        if (images == null) {
            throw BerthException.unavailable("no content store is running (plugin type %s): see berthctl plugins ls",
                    PluginTypes.CONTENT);
        }
        return images;
    }

    public ListImagesResponse listImages(ListImagesRequest r) {
        return images().list(r);
    }

    public ImageStatusResponse imageStatus(ImageStatusRequest r) {
        return images().status(r);
    }

    public PullImageResponse pullImage(PullImageRequest r) {
        return images().pull(r);
    }

    public RemoveImageResponse removeImage(RemoveImageRequest r) {
        return images().remove(r);
    }

    public ImageFsInfoResponse imageFsInfo(ImageFsInfoRequest r) {
        return images().fsInfo();
    }
}
