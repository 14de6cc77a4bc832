package dev.berth.cri.snapshots;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigUtil;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.plugin.PluginInfo;
import dev.berth.core.plugin.PluginTypes;
import dev.berth.core.snapshot.Snapshotter;
import dev.berth.cri.sandboxes.RuntimeHandler;
import dev.berth.cri.sandboxes.RuntimeHandlers;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which snapshotter each runtime handler's containers live in, as containerd does it: a handler's
 * {@code runtimes."<h>".snapshotter}, or the CRI plugin's {@code snapshotter} when that is empty. A handler whose
 * snapshotter plugin is not running fails its calls naming the key and the plugin's state, while the other
 * handlers keep working.
 */
public final class Snapshotters {
    private static final Logger LOG = LoggerFactory.getLogger(Snapshotters.class);
    /** The CRI plugin's key naming the default snapshotter. */
    public static final String DEFAULT_KEY = "snapshotter";

    private final RuntimeHandlers handlers;
    private final String defaultId;
    /** Every running snapshotter plugin by id, the default first. */
    private final Map<String, Snapshotter> running;
    /** Handlers that name their own snapshotter: handler name → id. */
    private final Map<String, String> own;
    /** Why a snapshotter some key names is not running, by id. */
    private final Map<String, String> missing;

    /**
     * @param own     handler name → snapshotter id for the handlers that name one
     * @param plugins the plugins as started, to say why a named snapshotter is not running
     */
    public Snapshotters(RuntimeHandlers handlers, String defaultId, Map<String, String> own, Map<String, Snapshotter> running,
                        List<PluginInfo> plugins) {
        this.handlers = handlers;
        this.defaultId = defaultId;
        this.own = Map.copyOf(own);
        Map<String, Snapshotter> ordered = new LinkedHashMap<>();
        if (running.containsKey(defaultId)) {
            ordered.put(defaultId, running.get(defaultId));
        }
        ordered.putAll(running);
        this.running = ordered;
        Map<String, String> why = new LinkedHashMap<>();
        List<String> ids = new ArrayList<>(own.values());
        ids.add(defaultId);
        for (String id : ids) {
            if (!running.containsKey(id)) {
                why.put(id, whyNotRunning(id, plugins));
            }
        }
        this.missing = why;
        for (RuntimeHandler h : handlers.all()) {
            String id = idOf(h);
            if (missing.containsKey(id)) {
                LOG.warn("runtime handler \"{}\": {}; its pods and containers will fail", h.name(), problem(h, id));
            }
        }
    }

    /**
     * Reads the CRI plugin's {@code snapshotter} and each configured handler's {@code runtimes."<h>".snapshotter}.
     *
     * @throws BerthException INVALID_ARGUMENT naming the key when a value is not a string or the default is empty
     */
    public static Snapshotters from(Config cri, RuntimeHandlers handlers, Map<String, Snapshotter> running,
                                    List<PluginInfo> plugins) {
        String defaultId = cri.getString(DEFAULT_KEY);
        if (defaultId.isBlank()) {
            throw BerthException.invalidArgument("%s must name an %s plugin, e.g. \"overlayfs\"", DEFAULT_KEY,
                    PluginTypes.SNAPSHOTTER);
        }
        Map<String, String> own = new LinkedHashMap<>();
        for (RuntimeHandler h : handlers.all()) {
            String path = ConfigUtil.joinPath("runtimes", h.name(), DEFAULT_KEY);
            try {
                if (cri.hasPath(path) && !cri.getString(path).isEmpty()) {
                    own.put(h.name(), cri.getString(path));
                }
            } catch (ConfigException e) {
                throw BerthException.invalidArgument("%s: want the id of an %s plugin, or \"\" for %s: %s", key(h.name()),
                        PluginTypes.SNAPSHOTTER, DEFAULT_KEY, e.getMessage());
            }
        }
        return new Snapshotters(handlers, defaultId, own, running, plugins);
    }

    /** The CRI plugin's {@code snapshotter}: where pulls that name no runtime handler unpack. */
    public String defaultId() {
        return defaultId;
    }

    /** The id of the snapshotter handler {@code h} uses. */
    public String idOf(RuntimeHandler h) {
        return own.getOrDefault(h.name(), defaultId);
    }

    /**
     * The handler a request names ("" for the default handler).
     *
     * @throws BerthException INVALID_ARGUMENT for a handler that is not configured
     */
    public RuntimeHandler handler(String requested) {
        return handlers.resolve(requested);
    }

    /**
     * The snapshotter handler {@code h} uses.
     *
     * @throws BerthException FAILED_PRECONDITION naming the key that chose it when it is not running
     */
    public Snapshotter of(RuntimeHandler h) {
        String id = idOf(h);
        Snapshotter s = running.get(id);
        if (s == null) {
            throw BerthException.failedPrecondition("runtime handler \"%s\": %s", h.name(), problem(h, id));
        }
        return s;
    }

    /** A running snapshotter by id. */
    public Optional<Snapshotter> find(String id) {
        return Optional.ofNullable(running.get(id));
    }

    /** Every running snapshotter plugin by id, the default first: garbage collection and recovery cover them all. */
    public Map<String, Snapshotter> running() {
        return running;
    }

    /** The running snapshotters some handler (or the default) uses, the default first: what ImageFsInfo reports. */
    public List<String> inUse() {
        List<String> ids = new ArrayList<>();
        if (running.containsKey(defaultId)) {
            ids.add(defaultId);
        }
        for (RuntimeHandler h : handlers.all()) {
            String id = idOf(h);
            if (running.containsKey(id) && !ids.contains(id)) {
                ids.add(id);
            }
        }
        return ids;
    }

    private String problem(RuntimeHandler h, String id) {
        String key = own.containsKey(h.name()) ? key(h.name()) : DEFAULT_KEY;
        return key + " is \"" + id + "\", but " + missing.getOrDefault(id, "it is not running")
                + (running.isEmpty() ? "" : " (running: " + String.join(", ", running.keySet()) + ")");
    }

    private static String key(String handler) {
        return ConfigUtil.joinPath("runtimes", handler, DEFAULT_KEY);
    }

    private static String whyNotRunning(String id, List<PluginInfo> plugins) {
        String name = PluginTypes.SNAPSHOTTER + "." + id;
        return plugins.stream().filter(p -> p.fullName().equals(name)).findFirst()
                .map(p -> "plugin " + name + " is " + p.state().label() + (p.reason().isEmpty() ? "" : ": " + p.reason()))
                .orElse("no plugin " + name + " is installed");
    }
}
