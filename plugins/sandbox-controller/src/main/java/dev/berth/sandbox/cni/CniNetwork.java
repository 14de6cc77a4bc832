package dev.berth.sandbox.cni;

import dev.berth.core.process.ProcessRunner;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.sandbox.PortMapping;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs CNI plugins (spec 1.0.0 execution protocol) for a configuration list: ADD in order, each plugin getting the
 * previous one's result; DEL in reverse order with the cached final result. Plugins are separate executables, so
 * they enter the namespace themselves and the JVM never does.
 */
public final class CniNetwork {
    private static final Logger LOG = LoggerFactory.getLogger(CniNetwork.class);
    private final List<Path> binDirs;
    private final Duration timeout;
    private final ProcessRunner runner;

    public CniNetwork(List<Path> binDirs, Duration timeout, ProcessRunner runner) {
        this.binDirs = List.copyOf(binDirs);
        this.timeout = timeout;
        this.runner = runner;
    }

    /**
     * Attaches the sandbox. If a plugin fails, DEL runs for it and every plugin before it (in reverse), so nothing
     * stays allocated, and the error carries the failing plugin's message.
     */
    public CniResult add(CniConfList list, CniAttachment a) {
        JsonObject prev = null;
        for (int i = 0; i < list.plugins().size(); i++) {
            JsonObject plugin = list.plugins().get(i);
            try {
                String out = exec("ADD", list, plugin, prev, a);
                prev = parseObject(out, list, plugin, "ADD");
            } catch (RuntimeException e) {
                // Also when the caller was cancelled: undo with the interrupt cleared, then restore it.
                boolean interrupted = Thread.interrupted();
                try {
                    rollback(list, a, i, prev, e);
                } finally {
                    if (interrupted) {
                        Thread.currentThread().interrupt();
                    }
                }
                throw e;
            }
        }
        return CniResult.parse(prev == null ? "{}" : prev.toString());
    }

    /** Detaches the sandbox: DEL for every plugin, last first, with the ADD result as prevResult. */
    public void del(CniConfList list, CniAttachment a, String cachedResult) {
        JsonObject prev = cachedResult == null || cachedResult.isBlank() ? null
                : JsonParser.parseString(cachedResult).getAsJsonObject();
        for (int i = list.plugins().size() - 1; i >= 0; i--) {
            exec("DEL", list, list.plugins().get(i), prev, a);
        }
    }

    private void rollback(CniConfList list, CniAttachment a, int failed, JsonObject prev, RuntimeException cause) {
        for (int j = failed; j >= 0; j--) {
            JsonObject plugin = list.plugins().get(j);
            if (find(type(plugin)).isEmpty()) {
                continue; // never ran: nothing to undo
            }
            try {
                exec("DEL", list, plugin, prev, a);
            } catch (RuntimeException e) {
                LOG.warn("CNI rollback: DEL of {} for {} failed: {}", type(plugin), a.containerId(), e.getMessage());
                cause.addSuppressed(e);
            }
        }
    }

    private String exec(String command, CniConfList list, JsonObject plugin, JsonObject prev, CniAttachment a) {
        String type = type(plugin);
        Path bin = find(type).orElseThrow(() -> new BerthException(ErrorKind.FAILED_PRECONDITION,
                "CNI " + command + " in network " + list.name() + ": plugin type=\"" + type + "\" not found in "
                        + binDirs));
        Map<String, String> env = new HashMap<>();
        env.put("CNI_COMMAND", command);
        env.put("CNI_CONTAINERID", a.containerId());
        env.put("CNI_NETNS", a.netnsPath());
        env.put("CNI_IFNAME", a.ifName());
        env.put("CNI_PATH", binDirs.stream().map(Path::toString).collect(Collectors.joining(":")));
        env.put("CNI_ARGS", a.cniArgs());
        ProcessRunner.Result r = runner.run(List.of(bin.toString()), env, stdin(list, plugin, prev, a).toString(),
                timeout);
        if (!r.ok()) {
            throw new BerthException(ErrorKind.INTERNAL, "CNI " + command + " in network " + list.name()
                    + ": plugin type=\"" + type + "\" failed (exit " + r.exitCode() + "): " + errorText(r));
        }
        return r.stdout();
    }

    /** The plugin's own config plus what the runtime injects: name, cniVersion, prevResult, runtimeConfig. */
    private static JsonObject stdin(CniConfList list, JsonObject plugin, JsonObject prev, CniAttachment a) {
        JsonObject c = plugin.deepCopy();
        c.addProperty("name", list.name());
        c.addProperty("cniVersion", list.cniVersion());
        if (prev != null) {
            c.add("prevResult", prev);
        }
        JsonObject caps = c.has("capabilities") && c.get("capabilities").isJsonObject()
                ? c.getAsJsonObject("capabilities") : new JsonObject();
        JsonObject runtime = new JsonObject();
        if (isTrue(caps, "portMappings")) {
            JsonArray pm = new JsonArray();
            for (PortMapping m : a.portMappings()) {
                if (m.hostPort() <= 0) {
                    continue; // nothing to forward; the kubelet sends these for documentation
                }
                JsonObject o = new JsonObject();
                o.addProperty("hostPort", m.hostPort());
                o.addProperty("containerPort", m.containerPort());
                o.addProperty("protocol", m.protocol().name().toLowerCase(Locale.ROOT));
                if (!m.hostIp().isEmpty()) {
                    o.addProperty("hostIP", m.hostIp());
                }
                pm.add(o);
            }
            if (!pm.isEmpty()) {
                runtime.add("portMappings", pm);
            }
        }
        if (!runtime.isEmpty()) {
            c.add("runtimeConfig", runtime);
        }
        return c;
    }

    private static boolean isTrue(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isBoolean() && e.getAsBoolean();
    }

    private static JsonObject parseObject(String out, CniConfList list, JsonObject plugin, String command) {
        try {
            JsonElement e = JsonParser.parseString(out);
            if (e.isJsonObject()) {
                return e.getAsJsonObject();
            }
        } catch (JsonParseException e) {
            // fall through
        }
        throw new BerthException(ErrorKind.INTERNAL, "CNI " + command + " in network " + list.name()
                + ": plugin type=\"" + type(plugin) + "\" returned no result object: " + out.strip());
    }

    /** The spec's error object ({@code msg}, {@code details}) when the plugin printed one, plus its stderr. */
    private static String errorText(ProcessRunner.Result r) {
        String text = r.stdout().strip();
        try {
            JsonElement e = JsonParser.parseString(text);
            if (e.isJsonObject()) {
                JsonObject o = e.getAsJsonObject();
                String msg = CniConfList.string(o, "msg");
                String details = CniConfList.string(o, "details");
                if (!msg.isEmpty()) {
                    text = details.isEmpty() ? msg : msg + ": " + details;
                }
            }
        } catch (JsonParseException e) {
            // not JSON: use it as printed
        }
        String err = r.stderr().strip();
        return err.isEmpty() ? text : text.isEmpty() ? err : text + "; stderr: " + err;
    }

    private static String type(JsonObject plugin) {
        return CniConfList.string(plugin, "type");
    }

    private Optional<Path> find(String type) {
        if (type.isEmpty() || type.contains("/")) {
            return Optional.empty();
        }
        return binDirs.stream().map(d -> d.resolve(type)).filter(Files::isExecutable).findFirst();
    }
}
