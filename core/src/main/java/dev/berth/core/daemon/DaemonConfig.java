package dev.berth.core.daemon;

import com.typesafe.config.Config;
import dev.berth.config.ConfigException;
import dev.berth.config.ConfigProblem;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The daemon's own (top-level) settings, bound from the effective config.
 *
 * @param metricsAddress {@code host:port} for the Prometheus endpoint, or empty when off
 */
public record DaemonConfig(Path root, Path state, Path pluginDir, Grpc grpc, Set<String> disabledPlugins,
                           Set<String> requiredPlugins, String logLevel, String logFormat, String metricsAddress) {
    private static final List<String> LEVELS = List.of("trace", "debug", "info", "warn", "error");
    private static final List<String> FORMATS = List.of("text", "json");

    /** {@code [grpc]}: the unix socket CRI and the admin API are served on. */
    public record Grpc(Path address, int uid, int gid, int maxRecvMessageSize, int maxSendMessageSize) {
    }

    public static DaemonConfig from(Config c) {
        String level = c.getString("debug.level").toLowerCase(Locale.ROOT);
        String format = c.getString("debug.format").toLowerCase(Locale.ROOT);
        requireOneOf("debug.level", level, LEVELS);
        requireOneOf("debug.format", format, FORMATS);
        String metrics = c.getString("metrics.address");
        if (!metrics.isEmpty() && !metrics.matches(".+:\\d{1,5}")) {
            throw invalid("metrics.address", "must be host:port (e.g. 127.0.0.1:1338) or empty, got '" + metrics + "'");
        }
        Grpc grpc = new Grpc(absolute(c, "grpc.address"), c.getInt("grpc.uid"), c.getInt("grpc.gid"),
                positive(c, "grpc.max_recv_message_size"), positive(c, "grpc.max_send_message_size"));
        return new DaemonConfig(absolute(c, "root"), absolute(c, "state"), absolute(c, "plugin_dir"), grpc,
                Set.copyOf(c.getStringList("disabled_plugins")), Set.copyOf(c.getStringList("required_plugins")),
                level, format, metrics);
    }

    private static Path absolute(Config c, String key) {
        Path p = Path.of(c.getString(key));
        if (!p.isAbsolute()) {
            throw invalid(key, "must be an absolute path, got '" + p + "'");
        }
        return p;
    }

    private static int positive(Config c, String key) {
        int v = c.getInt(key);
        if (v <= 0) {
            throw invalid(key, "must be a positive number of bytes, got " + v);
        }
        return v;
    }

    private static void requireOneOf(String key, String value, List<String> allowed) {
        if (!allowed.contains(value)) {
            throw invalid(key, "must be one of " + String.join(", ", allowed) + ", got '" + value + "'");
        }
    }

    private static ConfigException invalid(String key, String message) {
        return new ConfigException(List.of(new ConfigProblem(ConfigProblem.Severity.ERROR, "config", 0, 0, key, message)));
    }
}
