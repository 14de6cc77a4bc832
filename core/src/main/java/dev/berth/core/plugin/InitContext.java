package dev.berth.core.plugin;

import com.typesafe.config.Config;
import dev.berth.core.metrics.Metrics;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** What a plugin gets at init: its config, its directories, the plugins it required, and daemon facilities. */
public interface InitContext {
    Registration registration();

    /** This plugin's section, {@code [plugins."<type>.<id>"]}, over its reference.conf defaults. */
    Config config();

    /** Persistent directory {@code <root>/<type>.<id>}, created (0700) on first call. */
    Path root();

    /** Volatile directory {@code <state>/<type>.<id>} (tmpfs on real nodes), created (0700) on first call. */
    Path state();

    /**
     * The instance of the one initialised plugin of this type, or the first in init order when there are several.
     *
     * @throws dev.berth.core.errdefs.BerthException NOT_FOUND if none is ok
     */
    <T> T get(String type, Class<T> as);

    /** The instance of plugin {@code <type>.<id>}; NOT_FOUND if it is not ok. */
    <T> T get(String type, String id, Class<T> as);

    /** Every initialised plugin of this type, by id, in init order. */
    <T> Map<String, T> getAll(String type, Class<T> as);

    /** Every plugin the daemon knows and its state; the live view, so states of later plugins appear as they init. */
    List<PluginInfo> plugins();

    /** Facts about the daemon: version, effective configuration. */
    DaemonInfo daemon();

    /** The daemon-wide metrics registry. */
    Metrics metrics();
}
