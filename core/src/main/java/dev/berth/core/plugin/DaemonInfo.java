package dev.berth.core.plugin;

import dev.berth.config.LoadedConfig;
import java.time.Instant;

/**
 * Facts about the running daemon that plugins may report.
 *
 * @param version  the Berth release, e.g. {@code 0.1.0}
 * @param revision the source revision the build came from, or "unknown"
 * @param started  when the daemon started
 * @param config   the effective configuration
 */
public record DaemonInfo(String version, String revision, Instant started, LoadedConfig config) {
}
