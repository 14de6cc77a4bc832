package dev.berth.cri.grpc;

import dev.berth.api.cri.v1.*;
import dev.berth.cri.CriService;
import dev.berth.cri.InstrumentedCriService;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/**
 * {@code runtime.v1.RuntimeService}: each gRPC method hands its request to {@link InstrumentedCriService}, which runs the matching
 * {@link CriService} method. Nothing else happens here.
 */
public final class RuntimeServiceBinding extends RuntimeServiceGrpc.RuntimeServiceImplBase {
    private final InstrumentedCriService rpc;
    private final CriService cri;

    public RuntimeServiceBinding(InstrumentedCriService rpc, CriService cri) {
        this.rpc = rpc;
        this.cri = cri;
    }

    @Override
    public void version(VersionRequest request, StreamObserver<VersionResponse> out) {
        rpc.unary("Version", request, out, cri::version);
    }

    @Override
    public void runPodSandbox(RunPodSandboxRequest request, StreamObserver<RunPodSandboxResponse> out) {
        rpc.unary("RunPodSandbox", request, out, cri::runPodSandbox);
    }

    @Override
    public void stopPodSandbox(StopPodSandboxRequest request, StreamObserver<StopPodSandboxResponse> out) {
        rpc.unary("StopPodSandbox", request, out, cri::stopPodSandbox);
    }

    @Override
    public void removePodSandbox(RemovePodSandboxRequest request, StreamObserver<RemovePodSandboxResponse> out) {
        rpc.unary("RemovePodSandbox", request, out, cri::removePodSandbox);
    }

    @Override
    public void podSandboxStatus(PodSandboxStatusRequest request, StreamObserver<PodSandboxStatusResponse> out) {
        rpc.unary("PodSandboxStatus", request, out, cri::podSandboxStatus);
    }

    @Override
    public void listPodSandbox(ListPodSandboxRequest request, StreamObserver<ListPodSandboxResponse> out) {
        rpc.unary("ListPodSandbox", request, out, cri::listPodSandbox);
    }

    @Override
    public void createContainer(CreateContainerRequest request, StreamObserver<CreateContainerResponse> out) {
        rpc.unary("CreateContainer", request, out, cri::createContainer);
    }

    @Override
    public void startContainer(StartContainerRequest request, StreamObserver<StartContainerResponse> out) {
        rpc.unary("StartContainer", request, out, cri::startContainer);
    }

    @Override
    public void stopContainer(StopContainerRequest request, StreamObserver<StopContainerResponse> out) {
        rpc.unary("StopContainer", request, out, cri::stopContainer);
    }

    @Override
    public void removeContainer(RemoveContainerRequest request, StreamObserver<RemoveContainerResponse> out) {
        rpc.unary("RemoveContainer", request, out, cri::removeContainer);
    }

    @Override
    public void listContainers(ListContainersRequest request, StreamObserver<ListContainersResponse> out) {
        rpc.unary("ListContainers", request, out, cri::listContainers);
    }

    @Override
    public void containerStatus(ContainerStatusRequest request, StreamObserver<ContainerStatusResponse> out) {
        rpc.unary("ContainerStatus", request, out, cri::containerStatus);
    }

    @Override
    public void updateContainerResources(UpdateContainerResourcesRequest request, StreamObserver<UpdateContainerResourcesResponse> out) {
        rpc.unary("UpdateContainerResources", request, out, cri::updateContainerResources);
    }

    @Override
    public void reopenContainerLog(ReopenContainerLogRequest request, StreamObserver<ReopenContainerLogResponse> out) {
        rpc.unary("ReopenContainerLog", request, out, cri::reopenContainerLog);
    }

    @Override
    public void execSync(ExecSyncRequest request, StreamObserver<ExecSyncResponse> out) {
        rpc.unary("ExecSync", request, out, cri::execSync);
    }

    @Override
    public void exec(ExecRequest request, StreamObserver<ExecResponse> out) {
        rpc.unary("Exec", request, out, cri::exec);
    }

    @Override
    public void attach(AttachRequest request, StreamObserver<AttachResponse> out) {
        rpc.unary("Attach", request, out, cri::attach);
    }

    @Override
    public void portForward(PortForwardRequest request, StreamObserver<PortForwardResponse> out) {
        rpc.unary("PortForward", request, out, cri::portForward);
    }

    @Override
    public void containerStats(ContainerStatsRequest request, StreamObserver<ContainerStatsResponse> out) {
        rpc.unary("ContainerStats", request, out, cri::containerStats);
    }

    @Override
    public void listContainerStats(ListContainerStatsRequest request, StreamObserver<ListContainerStatsResponse> out) {
        rpc.unary("ListContainerStats", request, out, cri::listContainerStats);
    }

    @Override
    public void podSandboxStats(PodSandboxStatsRequest request, StreamObserver<PodSandboxStatsResponse> out) {
        rpc.unary("PodSandboxStats", request, out, cri::podSandboxStats);
    }

    @Override
    public void listPodSandboxStats(ListPodSandboxStatsRequest request, StreamObserver<ListPodSandboxStatsResponse> out) {
        rpc.unary("ListPodSandboxStats", request, out, cri::listPodSandboxStats);
    }

    @Override
    public void updateRuntimeConfig(UpdateRuntimeConfigRequest request, StreamObserver<UpdateRuntimeConfigResponse> out) {
        rpc.unary("UpdateRuntimeConfig", request, out, cri::updateRuntimeConfig);
    }

    @Override
    public void status(StatusRequest request, StreamObserver<StatusResponse> out) {
        rpc.unary("Status", request, out, cri::status);
    }

    @Override
    public void checkpointContainer(CheckpointContainerRequest request, StreamObserver<CheckpointContainerResponse> out) {
        rpc.unary("CheckpointContainer", request, out, cri::checkpointContainer);
    }

    @Override
    public void listMetricDescriptors(ListMetricDescriptorsRequest request, StreamObserver<ListMetricDescriptorsResponse> out) {
        rpc.unary("ListMetricDescriptors", request, out, cri::listMetricDescriptors);
    }

    @Override
    public void listPodSandboxMetrics(ListPodSandboxMetricsRequest request, StreamObserver<ListPodSandboxMetricsResponse> out) {
        rpc.unary("ListPodSandboxMetrics", request, out, cri::listPodSandboxMetrics);
    }

    @Override
    public void updatePodSandboxResources(UpdatePodSandboxResourcesRequest request,
                                          StreamObserver<UpdatePodSandboxResourcesResponse> out) {
        rpc.unary("UpdatePodSandboxResources", request, out, cri::updatePodSandboxResources);
    }

    @Override
    public void runtimeConfig(RuntimeConfigRequest request, StreamObserver<RuntimeConfigResponse> out) {
        rpc.unary("RuntimeConfig", request, out, cri::runtimeConfig);
    }

    @Override
    public void getContainerEvents(GetEventsRequest request, StreamObserver<ContainerEventResponse> out) {
        ServerCallStreamObserver<ContainerEventResponse> call = (ServerCallStreamObserver<ContainerEventResponse>) out;
        rpc.stream("GetContainerEvents", request, out, (q, sink) -> cri.getContainerEvents(q, sink, call::isCancelled));
    }

    @Override
    public void streamPodSandboxes(StreamPodSandboxesRequest request, StreamObserver<StreamPodSandboxesResponse> out) {
        rpc.chunked("StreamPodSandboxes", request, out, q -> cri.listPodSandbox(q.hasFilter()
                        ? ListPodSandboxRequest.newBuilder().setFilter(q.getFilter()).build()
                        : ListPodSandboxRequest.getDefaultInstance()).getItemsList(),
                items -> StreamPodSandboxesResponse.newBuilder().addAllPodSandboxes(items).build());
    }

    @Override
    public void streamContainers(StreamContainersRequest request, StreamObserver<StreamContainersResponse> out) {
        rpc.chunked("StreamContainers", request, out, q -> cri.listContainers(q.hasFilter()
                        ? ListContainersRequest.newBuilder().setFilter(q.getFilter()).build()
                        : ListContainersRequest.getDefaultInstance()).getContainersList(),
                items -> StreamContainersResponse.newBuilder().addAllContainers(items).build());
    }

    @Override
    public void streamContainerStats(StreamContainerStatsRequest request, StreamObserver<StreamContainerStatsResponse> out) {
        rpc.chunked("StreamContainerStats", request, out, q -> cri.listContainerStats(q.hasFilter()
                        ? ListContainerStatsRequest.newBuilder().setFilter(q.getFilter()).build()
                        : ListContainerStatsRequest.getDefaultInstance()).getStatsList(),
                items -> StreamContainerStatsResponse.newBuilder().addAllContainerStats(items).build());
    }

    @Override
    public void streamPodSandboxStats(StreamPodSandboxStatsRequest request, StreamObserver<StreamPodSandboxStatsResponse> out) {
        rpc.chunked("StreamPodSandboxStats", request, out, q -> cri.listPodSandboxStats(q.hasFilter()
                        ? ListPodSandboxStatsRequest.newBuilder().setFilter(q.getFilter()).build()
                        : ListPodSandboxStatsRequest.getDefaultInstance()).getStatsList(),
                items -> StreamPodSandboxStatsResponse.newBuilder().addAllPodSandboxStats(items).build());
    }

    @Override
    public void streamPodSandboxMetrics(StreamPodSandboxMetricsRequest request,
                                        StreamObserver<StreamPodSandboxMetricsResponse> out) {
        rpc.chunked("StreamPodSandboxMetrics", request, out,
                q -> cri.listPodSandboxMetrics(ListPodSandboxMetricsRequest.getDefaultInstance()).getPodMetricsList(),
                items -> StreamPodSandboxMetricsResponse.newBuilder().addAllPodSandboxMetrics(items).build());
    }
}
