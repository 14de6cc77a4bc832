package dev.berth.core.admin;

import dev.berth.api.admin.v1.AdminGrpc;
import dev.berth.api.admin.v1.DumpConfigRequest;
import dev.berth.api.admin.v1.DumpConfigResponse;
import dev.berth.api.admin.v1.Ingest;
import dev.berth.api.admin.v1.ListIngestsRequest;
import dev.berth.api.admin.v1.ListIngestsResponse;
import dev.berth.api.admin.v1.ListPluginsRequest;
import dev.berth.api.admin.v1.ListPluginsResponse;
import dev.berth.api.admin.v1.Plugin;
import dev.berth.api.admin.v1.VersionRequest;
import dev.berth.api.admin.v1.VersionResponse;
import dev.berth.core.content.ContentStore;
import dev.berth.core.content.Digest;
import dev.berth.core.content.Status;
import dev.berth.core.plugin.InitContext;
import dev.berth.core.plugin.PluginInfo;
import dev.berth.core.plugin.PluginTypes;
import dev.berth.core.plugin.Requirement;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/** {@code berth.admin.v1.Admin}: what berthctl asks the daemon beyond CRI. */
final class AdminService extends AdminGrpc.AdminImplBase {
    private final InitContext context;

    AdminService(InitContext context) {
        this.context = context;
    }

    @Override
    public void listPlugins(ListPluginsRequest request, StreamObserver<ListPluginsResponse> out) {
        ListPluginsResponse.Builder resp = ListPluginsResponse.newBuilder();
        for (PluginInfo p : context.plugins()) {
            if (p.type().startsWith(request.getTypePrefix())) {
                resp.addPlugins(Plugin.newBuilder().setType(p.type()).setId(p.id()).setStatus(p.state().label())
                        .setReason(p.reason()).setOrigin(p.origin())
                        .addAllRequires(p.requires().stream().map(Requirement::toString).toList()));
            }
        }
        out.onNext(resp.build());
        out.onCompleted();
    }

    @Override
    public void version(VersionRequest request, StreamObserver<VersionResponse> out) {
        out.onNext(VersionResponse.newBuilder()
                .setVersion(context.daemon().version())
                .setRevision(context.daemon().revision())
                .setJavaVersion(Runtime.version().toString())
                .setUptimeSeconds(Duration.between(context.daemon().started(), Instant.now()).toSeconds())
                .build());
        out.onCompleted();
    }

    @Override
    public void listIngests(ListIngestsRequest request, StreamObserver<ListIngestsResponse> out) {
        // looked up per call: the content store inits after this plugin, and may be disabled or failed
        Map<String, ContentStore> stores = context.getAll(PluginTypes.CONTENT, ContentStore.class);
        if (stores.isEmpty()) {
            out.onError(io.grpc.Status.FAILED_PRECONDITION.withDescription("no content store plugin is running")
                    .asRuntimeException());
            return;
        }
        ListIngestsResponse.Builder resp = ListIngestsResponse.newBuilder();
        for (ContentStore store : stores.values()) {
            for (Status s : store.ingests()) {
                if (s.ref().startsWith(request.getRefPrefix())) {
                    resp.addIngests(Ingest.newBuilder().setRef(s.ref()).setOffset(s.offset()).setTotal(s.total())
                            .setExpected(s.expected().map(Digest::toString).orElse(""))
                            .setStartedAt(nanos(s.startedAt())).setUpdatedAt(nanos(s.updatedAt())));
                }
            }
        }
        out.onNext(resp.build());
        out.onCompleted();
    }

    private static long nanos(Instant t) {
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    @Override
    public void dumpConfig(DumpConfigRequest request, StreamObserver<DumpConfigResponse> out) {
        out.onNext(DumpConfigResponse.newBuilder().setToml(context.daemon().config().toToml()).build());
        out.onCompleted();
    }
}
