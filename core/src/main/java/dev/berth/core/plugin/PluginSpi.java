package dev.berth.core.plugin;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A version of the plugin SPI: everything a plugin jar sees of the daemon (the packages {@code dev.berth.core.*},
 * {@code dev.berth.config.*}, {@code dev.berth.api.*}). A third-party jar names the version it was built against in
 * its manifest, {@code Berth-Plugin-Spi: 1.0}; berthd reads that before loading any class from the jar, and skips a
 * plugin built for a version it cannot serve instead of failing later with a {@link LinkageError}.
 *
 * <p>A minor version only adds (a new method with a default, a new type); a major version changes or removes
 * something a plugin may use. So berthd loads a plugin built for its own major version and a minor version up to
 * its own.
 */
public record PluginSpi(int major, int minor) {
    /** The manifest attribute a plugin jar declares its SPI version in. */
    public static final String MANIFEST_ATTRIBUTE = "Berth-Plugin-Spi";
    /** The SPI this berthd provides. */
    public static final PluginSpi CURRENT = new PluginSpi(1, 0);

    private static final Pattern FORMAT = Pattern.compile("(\\d{1,4})\\.(\\d{1,4})");

    public PluginSpi {
        if (major < 0 || minor < 0) {
            throw new IllegalArgumentException("SPI version parts must not be negative: " + major + "." + minor);
        }
    }

    /**
     * Parses {@code <major>.<minor>}, e.g. {@code 1.0}.
     *
     * @throws IllegalArgumentException naming the text when it is not of that form
     */
    public static PluginSpi parse(String text) {
        Matcher m = FORMAT.matcher(text == null ? "" : text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("plugin SPI version must be <major>.<minor> such as \"1.0\", got \"" + text + "\"");
        }
        return new PluginSpi(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
    }

    /** Whether a daemon providing this SPI can run a plugin built against {@code builtFor}. */
    public boolean canLoad(PluginSpi builtFor) {
        return builtFor.major == major && builtFor.minor <= minor;
    }

    @Override
    public String toString() {
        return major + "." + minor;
    }
}
