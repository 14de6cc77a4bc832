package dev.berth.cri;

import dev.berth.api.cri.v1.*;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.json.Json;
import dev.berth.core.plugin.DaemonInfo;
import dev.berth.core.plugin.PluginInfo;
import dev.berth.core.plugin.PluginTypes;
import dev.berth.cri.images.Images;
import dev.berth.cri.sandboxes.PodSandboxes;
import dev.berth.cri.status.RuntimeConditions;
import java.util.List;
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

    private static final String SANDBOXES = "issue #6, \"4. Sandbox controller\"";
    private static final String CONTAINERS = "issue #7, \"5. Runtime shim\"";
    private static final String STREAMING = "issue #8, \"6. Streaming\"";
    private static final String LAST_RPCS = "issue #13, \"11. The last CRI RPCs\"";

    private final DaemonInfo daemon;
    private final Supplier<List<PluginInfo>> plugins;
    private final RuntimeConditions conditions;
    private final Images images;
    private final PodSandboxes sandboxes;

    /**
     * @param images    the image service part, or null when no content store plugin is running
     * @param sandboxes the pod sandbox part: runtime handlers and their sandbox controllers
     */
    public CriService(DaemonInfo daemon, Supplier<List<PluginInfo>> plugins, Images images, PodSandboxes sandboxes) {
        this.daemon = daemon;
        this.plugins = plugins;
        this.conditions = new RuntimeConditions(plugins, sandboxes::networkReadiness);
        this.images = images;
        this.sandboxes = sandboxes;
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
                .setStatus(RuntimeStatus.newBuilder().addAllConditions(conditions.conditions()));
        if (request.getVerbose()) {
            resp.putInfo("config", daemon.config().toJson());
            resp.putInfo("plugins", pluginsJson(plugins.get()));
        }
        return resp.build();
    }

    private static String pluginsJson(List<PluginInfo> infos) {
        return infos.stream().map(p -> "{\"type\":" + Json.quote(p.type()) + ",\"id\":" + Json.quote(p.id())
                + ",\"status\":" + Json.quote(p.state().label()) + ",\"reason\":" + Json.quote(p.reason()) + "}")
                .collect(Collectors.joining(",", "[", "]"));
    }

    private static BerthException pending(String rpc, String owner) {
        return BerthException.unimplemented("%s is not implemented yet (%s)", rpc, owner);
    }

    // ---- pod sandboxes ----
    public RunPodSandboxResponse runPodSandbox(RunPodSandboxRequest r) {
        return sandboxes.run(r);
    }

    public StopPodSandboxResponse stopPodSandbox(StopPodSandboxRequest r) {
        sandboxes.stop(r.getPodSandboxId());
        return StopPodSandboxResponse.getDefaultInstance();
    }

    public RemovePodSandboxResponse removePodSandbox(RemovePodSandboxRequest r) {
        sandboxes.remove(r.getPodSandboxId());
        return RemovePodSandboxResponse.getDefaultInstance();
    }

    public PodSandboxStatusResponse podSandboxStatus(PodSandboxStatusRequest r) {
        return sandboxes.status(r);
    }

    public ListPodSandboxResponse listPodSandbox(ListPodSandboxRequest r) {
        return sandboxes.list(r);
    }

    public PodSandboxStatsResponse podSandboxStats(PodSandboxStatsRequest r) {
        throw pending("PodSandboxStats", SANDBOXES);
    }

    public ListPodSandboxStatsResponse listPodSandboxStats(ListPodSandboxStatsRequest r) {
        throw pending("ListPodSandboxStats", SANDBOXES);
    }

    public ListPodSandboxMetricsResponse listPodSandboxMetrics(ListPodSandboxMetricsRequest r) {
        throw pending("ListPodSandboxMetrics", CONTAINERS);
    }

    public ListMetricDescriptorsResponse listMetricDescriptors(ListMetricDescriptorsRequest r) {
        throw pending("ListMetricDescriptors", CONTAINERS);
    }

    // ---- containers ----
    public CreateContainerResponse createContainer(CreateContainerRequest r) {
        throw pending("CreateContainer", CONTAINERS);
    }

    public StartContainerResponse startContainer(StartContainerRequest r) {
        throw pending("StartContainer", CONTAINERS);
    }

    public StopContainerResponse stopContainer(StopContainerRequest r) {
        throw pending("StopContainer", CONTAINERS);
    }

    public RemoveContainerResponse removeContainer(RemoveContainerRequest r) {
        throw pending("RemoveContainer", CONTAINERS);
    }

    public ListContainersResponse listContainers(ListContainersRequest r) {
        throw pending("ListContainers", CONTAINERS);
    }

    public ContainerStatusResponse containerStatus(ContainerStatusRequest r) {
        throw pending("ContainerStatus", CONTAINERS);
    }

    public UpdateContainerResourcesResponse updateContainerResources(UpdateContainerResourcesRequest r) {
        throw pending("UpdateContainerResources", CONTAINERS);
    }

    public ReopenContainerLogResponse reopenContainerLog(ReopenContainerLogRequest r) {
        throw pending("ReopenContainerLog", CONTAINERS);
    }

    public ExecSyncResponse execSync(ExecSyncRequest r) {
        throw pending("ExecSync", CONTAINERS);
    }

    public ContainerStatsResponse containerStats(ContainerStatsRequest r) {
        throw pending("ContainerStats", CONTAINERS);
    }

    public ListContainerStatsResponse listContainerStats(ListContainerStatsRequest r) {
        throw pending("ListContainerStats", CONTAINERS);
    }

    /** Server stream: sends each container event to {@code events} until the caller goes away. */
    public void getContainerEvents(GetEventsRequest r, Consumer<ContainerEventResponse> events) {
        throw pending("GetContainerEvents", CONTAINERS);
    }

    // ---- streaming ----
    public ExecResponse exec(ExecRequest r) {
        throw pending("Exec", STREAMING);
    }

    public AttachResponse attach(AttachRequest r) {
        throw pending("Attach", STREAMING);
    }

    public PortForwardResponse portForward(PortForwardRequest r) {
        throw pending("PortForward", STREAMING);
    }

    // ---- runtime-wide ----
    public UpdateRuntimeConfigResponse updateRuntimeConfig(UpdateRuntimeConfigRequest r) {
        throw pending("UpdateRuntimeConfig", LAST_RPCS);
    }

    public RuntimeConfigResponse runtimeConfig(RuntimeConfigRequest r) {
        throw pending("RuntimeConfig", LAST_RPCS);
    }

    public CheckpointContainerResponse checkpointContainer(CheckpointContainerRequest r) {
        throw pending("CheckpointContainer", LAST_RPCS);
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
