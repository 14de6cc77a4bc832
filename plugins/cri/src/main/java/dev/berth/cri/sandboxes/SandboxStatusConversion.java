package dev.berth.cri.sandboxes;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.berth.api.cri.v1.Namespace;
import dev.berth.api.cri.v1.NamespaceOption;
import dev.berth.api.cri.v1.LinuxPodSandboxStatus;
import dev.berth.api.cri.v1.PodIP;
import dev.berth.api.cri.v1.PodSandbox;
import dev.berth.api.cri.v1.PodSandboxMetadata;
import dev.berth.api.cri.v1.PodSandboxNetworkStatus;
import dev.berth.api.cri.v1.PodSandboxState;
import dev.berth.api.cri.v1.PodSandboxStatus;
import dev.berth.core.sandbox.NamespaceMode;
import dev.berth.core.sandbox.NamespaceOptions;
import dev.berth.core.sandbox.SandboxConfig;
import dev.berth.core.sandbox.SandboxState;
import dev.berth.core.sandbox.SandboxStatus;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * SPI {@link SandboxStatus} → CRI {@code PodSandboxStatus} and {@code PodSandbox}. The CRI view (metadata, labels,
 * annotations, runtime handler) is read from the status's {@link SandboxConfig}, which the controller keeps.
 */
public final class SandboxStatusConversion {
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().setPrettyPrinting().create();

    private SandboxStatusConversion() {
    }

    public static PodSandboxStatus toPodSandboxStatus(SandboxStatus s) {
        SandboxConfig c = s.config();
        PodSandboxNetworkStatus.Builder net = PodSandboxNetworkStatus.newBuilder().setIp(s.ip());
        s.additionalIps().forEach(ip -> net.addAdditionalIps(PodIP.newBuilder().setIp(ip)));
        return PodSandboxStatus.newBuilder()
                .setId(s.id())
                .setMetadata(metadata(c))
                .setState(state(s.state()))
                .setCreatedAt(nanos(s.createdAt()))
                .setNetwork(net)
                .setLinux(LinuxPodSandboxStatus.newBuilder().setNamespaces(Namespace.newBuilder()
                        .setOptions(namespaceOption(c.namespaceOptions()))))
                .putAllLabels(c.labels())
                .putAllAnnotations(c.annotations())
                .setRuntimeHandler(c.runtimeHandler())
                .build();
    }

    public static PodSandbox toPodSandbox(SandboxStatus s) {
        SandboxConfig c = s.config();
        return PodSandbox.newBuilder()
                .setId(s.id())
                .setMetadata(metadata(c))
                .setState(state(s.state()))
                .setCreatedAt(nanos(s.createdAt()))
                .putAllLabels(c.labels())
                .putAllAnnotations(c.annotations())
                .setRuntimeHandler(c.runtimeHandler())
                .build();
    }

    /**
     * The verbose {@code info["info"]} JSON, in the spirit of containerd's: what the controller holds for the pod
     * (namespace paths, files, the CNI result as JSON), the sandboxer that runs it and the config it was made from.
     */
    public static String verboseInfo(SandboxStatus s, String sandboxer) {
        SandboxConfig c = s.config();
        JsonObject o = new JsonObject();
        o.addProperty("id", s.id());
        o.addProperty("sandboxer", sandboxer);
        o.addProperty("runtimeHandler", c.runtimeHandler());
        o.addProperty("state", s.state().name());
        o.addProperty("createdAt", s.createdAt().toString());
        o.addProperty("netNamespacePath", s.netnsPath());
        o.addProperty("hostname", s.hostname());
        for (Map.Entry<String, String> e : new TreeMap<>(s.info()).entrySet()) {
            o.add(e.getKey(), e.getKey().equals(SandboxStatus.INFO_CNI_RESULT) ? jsonOrString(e.getValue())
                    : new com.google.gson.JsonPrimitive(e.getValue()));
        }
        o.add("config", GSON.toJsonTree(c));
        return GSON.toJson(o);
    }

    private static JsonElement jsonOrString(String v) {
        try {
            return JsonParser.parseString(v);
        } catch (JsonParseException e) {
            return new com.google.gson.JsonPrimitive(v);
        }
    }

    static PodSandboxMetadata metadata(SandboxConfig c) {
        return PodSandboxMetadata.newBuilder().setName(c.name()).setNamespace(c.namespace()).setUid(c.uid())
                .setAttempt(c.attempt()).build();
    }

    static PodSandboxState state(SandboxState s) {
        return s == SandboxState.READY ? PodSandboxState.SANDBOX_READY : PodSandboxState.SANDBOX_NOTREADY;
    }

    static NamespaceOption namespaceOption(NamespaceOptions o) {
        NamespaceOption.Builder b = NamespaceOption.newBuilder().setNetwork(mode(o.network())).setPid(mode(o.pid()))
                .setIpc(mode(o.ipc())).setTargetId(o.targetId());
        if (o.userns() != null) {
            dev.berth.api.cri.v1.UserNamespace.Builder u = dev.berth.api.cri.v1.UserNamespace.newBuilder()
                    .setMode(dev.berth.api.cri.v1.NamespaceMode.POD);
            o.userns().uids().forEach(m -> u.addUids(idMapping(m)));
            o.userns().gids().forEach(m -> u.addGids(idMapping(m)));
            b.setUsernsOptions(u);
        }
        return b.build();
    }

    private static dev.berth.api.cri.v1.IDMapping idMapping(dev.berth.core.sandbox.UserNamespace.IdMapping m) {
        return dev.berth.api.cri.v1.IDMapping.newBuilder().setContainerId((int) m.containerId())
                .setHostId((int) m.hostId()).setLength((int) m.length()).build();
    }

    private static dev.berth.api.cri.v1.NamespaceMode mode(NamespaceMode m) {
        return switch (m) {
            case POD -> dev.berth.api.cri.v1.NamespaceMode.POD;
            case CONTAINER -> dev.berth.api.cri.v1.NamespaceMode.CONTAINER;
            case NODE -> dev.berth.api.cri.v1.NamespaceMode.NODE;
            case TARGET -> dev.berth.api.cri.v1.NamespaceMode.TARGET;
        };
    }

    /** CRI timestamps are nanoseconds since the epoch. */
    static long nanos(Instant t) {
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }
}
