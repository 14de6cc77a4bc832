package dev.berth.core.daemon;

import dev.berth.config.ConfigLoader;
import dev.berth.config.ConfigProblem;
import dev.berth.core.migrate.ContainerdConfigMigration;
import dev.berth.core.migrate.Migration;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** {@code config default|dump|check}, shared by {@code berthd} and {@code berthctl}, so both tell the same truth. */
public final class ConfigCommands {
    private ConfigCommands() {
    }

    /** The complete default config as TOML, with every installed plugin's section. */
    public static String defaults(Path pluginDir) {
        return new ConfigLoader(PluginDiscovery.of(pluginDir).classLoaders()).defaults().toToml();
    }

    /** The effective config (file over defaults) as TOML. */
    public static String dump(Path file) {
        return BootConfig.load(file, Map.of()).loaded().toToml();
    }

    /**
     * Prints a Berth config made from a containerd config to {@code out}, and each setting it could not carry over
     * and each deliberate difference to {@code err}.
     *
     * @return 0 when the file could be read, 1 otherwise
     */
    public static int migrate(Path containerdConfig, PrintWriter out, PrintWriter err) {
        try {
            Migration m = ContainerdConfigMigration.fromFile(containerdConfig);
            out.print(m.toml());
            if (!m.unmapped().isEmpty()) {
                err.println("not migrated (" + m.unmapped().size() + "):");
                m.unmapped().forEach(u -> err.println("  " + u));
            }
            if (!m.notes().isEmpty()) {
                err.println("notes:");
                m.notes().forEach(n -> err.println("  " + n));
            }
            return 0;
        } catch (java.io.IOException e) {
            err.println("berthd: cannot read " + containerdConfig + ": " + e.getMessage());
            return 1;
        } catch (IllegalArgumentException e) {
            err.println("berthd: " + containerdConfig + " is not valid TOML:\n" + e.getMessage());
            return 1;
        } finally {
            out.flush();
            err.flush();
        }
    }

    /**
     * Validates a file against the schema of the built-ins and of the plugins in the file's own plugin_dir.
     *
     * @return 0 when there is no error (warnings allowed), 1 otherwise
     */
    public static int check(Path file, PrintWriter out) {
        List<ConfigProblem> problems;
        try {
            BootConfig boot = BootConfig.load(file, Map.of());
            problems = new ConfigLoader(boot.discovery().classLoaders()).check(file);
        } catch (dev.berth.config.ConfigException e) {
            problems = e.problems();
        }
        long errors = problems.stream().filter(p -> p.severity() == ConfigProblem.Severity.ERROR).count();
        for (ConfigProblem p : problems) {
            out.println(p.severity().name().toLowerCase(java.util.Locale.ROOT) + ": " + p);
        }
        out.println(file + ": " + (errors == 0 ? "ok" : "invalid") + " (" + errors + " errors, "
                + (problems.size() - errors) + " warnings)");
        out.flush();
        return errors == 0 ? 0 : 1;
    }
}
