package dev.berth.cri.status;

import dev.berth.api.cri.v1.RuntimeCondition;
import dev.berth.core.plugin.PluginInfo;
import dev.berth.core.plugin.PluginState;
import dev.berth.core.plugin.PluginTypes;
import dev.berth.core.sandbox.NetworkReadiness;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Computes the CRI {@code RuntimeReady} and {@code NetworkReady} conditions from what is actually running: the
 * runtime is ready only when a runtime shim and a sandbox controller are up; the network only when a sandbox
 * controller is up and the default runtime handler's controller says it can network pods (e.g. a CNI config
 * exists). The reason and message say what is missing.
 */
public final class RuntimeConditions {
    public static final String RUNTIME_READY = "RuntimeReady";
    public static final String NETWORK_READY = "NetworkReady";

    private final Supplier<List<PluginInfo>> plugins;
    private final Supplier<NetworkReadiness> network;

    /**
     * @param plugins every plugin and its state
     * @param network the default runtime handler's network readiness; asked only when a sandbox controller runs
     */
    public RuntimeConditions(Supplier<List<PluginInfo>> plugins, Supplier<NetworkReadiness> network) {
        this.plugins = plugins;
        this.network = network;
    }

    public List<RuntimeCondition> conditions() {
        List<PluginInfo> all = plugins.get();
        String runtimeGap = firstGap(all, PluginTypes.RUNTIME, PluginTypes.SANDBOX_CONTROLLER);
        String networkGap = firstGap(all, PluginTypes.SANDBOX_CONTROLLER);
        if (networkGap == null) {
            NetworkReadiness n = network.get();
            networkGap = n.ready() ? null : (n.reason().isEmpty() ? "the network is not ready" : n.reason());
        }
        return List.of(condition(RUNTIME_READY, runtimeGap, "RuntimePluginNotReady"),
                condition(NETWORK_READY, networkGap, "NetworkPluginNotReady"));
    }

    private static RuntimeCondition condition(String type, String gap, String reason) {
        RuntimeCondition.Builder c = RuntimeCondition.newBuilder().setType(type).setStatus(gap == null);
        if (gap != null) {
            c.setReason(reason).setMessage(gap);
        }
        return c.build();
    }

    /** Null when every type has a working plugin, else a sentence about the first that has none. */
    private static String firstGap(List<PluginInfo> all, String... types) {
        for (String type : types) {
            List<PluginInfo> ofType = all.stream().filter(p -> p.type().equals(type)).toList();
            if (ofType.stream().noneMatch(p -> p.state() == PluginState.OK)) {
                return ofType.isEmpty() ? "no " + type + " plugin is installed"
                        : "no " + type + " plugin is running: " + ofType.stream()
                        .map(p -> p.fullName() + " is " + p.state().label() + (p.reason().isEmpty() ? "" : " (" + p.reason() + ")"))
                        .collect(Collectors.joining("; "));
            }
        }
        return null;
    }
}
