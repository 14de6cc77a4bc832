package dev.berth.cri.sandboxes;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import dev.berth.core.errdefs.BerthException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The configured runtime handlers and which one an empty {@code runtime_handler} means. {@code runc} always exists:
 * when the user does not list it, it is {@code {sandboxer = "podsandbox", runtime = "runc"}}, so a node without a {@code runtimes}
 * table runs pods. A handler entry without {@code sandboxer} gets {@code podsandbox}, without {@code runtime} {@code runc},
 * without {@code pod_infra} {@code pauseless}.
 */
public final class RuntimeHandlers {
    /** The handler that exists even when unconfigured. */
    public static final String BUILT_IN = "runc";
    /** The sandbox controller plugin a handler uses unless it names another. */
    public static final String DEFAULT_SANDBOXER = "podsandbox";
    /** The runtime shim plugin a handler uses unless it names another. */
    public static final String DEFAULT_RUNTIME = "runc";
    /** The schema-only entry of reference.conf's {@code runtimes} table; never a real handler. */
    private static final String TEMPLATE = "<name>";

    private final Map<String, RuntimeHandler> byName;
    private final RuntimeHandler defaultHandler;

    /** @throws BerthException INVALID_ARGUMENT when the default names no configured handler */
    public RuntimeHandlers(Map<String, RuntimeHandler> handlers, String defaultName) {
        Map<String, RuntimeHandler> all = new LinkedHashMap<>();
        all.put(BUILT_IN, new RuntimeHandler(BUILT_IN, DEFAULT_SANDBOXER, DEFAULT_RUNTIME));
        all.putAll(handlers);
        this.byName = Map.copyOf(all);
        this.defaultHandler = all.get(defaultName);
        if (defaultHandler == null) {
            throw BerthException.invalidArgument("default_runtime_name \"%s\" is not a configured runtime; configured: %s",
                    defaultName, String.join(", ", sortedNames(all.values())));
        }
    }

    /**
     * Reads {@code default_runtime_name} and {@code runtimes} of the CRI plugin's section.
     *
     * @throws BerthException INVALID_ARGUMENT naming the key when a value has the wrong shape
     */
    public static RuntimeHandlers from(Config cri) {
        try {
            Map<String, RuntimeHandler> handlers = new LinkedHashMap<>();
            if (cri.hasPath("runtimes")) {
                for (Map.Entry<String, ConfigValue> e : cri.getObject("runtimes").entrySet()) {
                    if (e.getKey().equals(TEMPLATE)) {
                        continue;
                    }
                    if (!(e.getValue() instanceof ConfigObject o)) {
                        throw BerthException.invalidArgument("runtimes.\"%s\": expected a table", e.getKey());
                    }
                    Config c = o.toConfig();
                    String sandboxer = c.hasPath("sandboxer") ? c.getString("sandboxer") : DEFAULT_SANDBOXER;
                    if (sandboxer.isBlank()) {
                        throw BerthException.invalidArgument("runtimes.\"%s\".sandboxer must not be empty", e.getKey());
                    }
                    String runtime = c.hasPath("runtime") ? c.getString("runtime") : DEFAULT_RUNTIME;
                    if (runtime.isBlank()) {
                        throw BerthException.invalidArgument("runtimes.\"%s\".runtime must not be empty", e.getKey());
                    }
                    String runtimePath = c.hasPath("runtime_path") ? c.getString("runtime_path") : "";
                    RuntimeHandler.PodInfra mode = c.hasPath("pod_infra") ? RuntimeHandler.PodInfra.parse(
                            c.getString("pod_infra"), "runtimes.\"" + e.getKey() + "\".pod_infra")
                            : RuntimeHandler.PodInfra.PAUSELESS;
                    handlers.put(e.getKey(), new RuntimeHandler(e.getKey(), sandboxer, runtime, runtimePath, mode));
                }
            }
            String defaultName = cri.hasPath("default_runtime_name") ? cri.getString("default_runtime_name") : BUILT_IN;
            return new RuntimeHandlers(handlers, defaultName);
        } catch (ConfigException e) {
            throw BerthException.invalidArgument("runtimes: %s", e.getMessage());
        }
    }

    /**
     * The handler a request names; "" means the default.
     *
     * @throws BerthException INVALID_ARGUMENT for a handler that is not configured, listing those that are
     */
    public RuntimeHandler resolve(String requested) {
        if (requested == null || requested.isEmpty()) {
            return defaultHandler;
        }
        RuntimeHandler h = byName.get(requested);
        if (h == null) {
            throw BerthException.invalidArgument("unknown runtime handler \"%s\"; configured: %s", requested,
                    String.join(", ", names()));
        }
        return h;
    }

    public RuntimeHandler defaultHandler() {
        return defaultHandler;
    }

    /** Every handler, the default first, then by name. */
    public List<String> names() {
        List<String> names = new ArrayList<>();
        names.add(defaultHandler.name());
        sortedNames(byName.values()).stream().filter(n -> !n.equals(defaultHandler.name())).forEach(names::add);
        return names;
    }

    public Collection<RuntimeHandler> all() {
        return byName.values();
    }

    private static List<String> sortedNames(Collection<RuntimeHandler> hs) {
        return hs.stream().map(RuntimeHandler::name).sorted().toList();
    }
}
