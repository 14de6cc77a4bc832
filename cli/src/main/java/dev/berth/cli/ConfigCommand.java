package dev.berth.cli;

import dev.berth.config.ConfigException;
import dev.berth.core.daemon.ConfigCommands;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code berthctl config default|check|dump}: the same answers as {@code berthd config}, without a daemon. */
@Command(name = "config", description = "Print or check Berth configuration (no daemon needed).")
final class ConfigCommand {
    @Spec
    CommandSpec spec;

    @Command(name = "default", description = "Print the complete default configuration as TOML.")
    int defaults(@Option(names = "--plugin-dir", defaultValue = "/var/lib/berth/plugins",
            description = "Include the sections of plugins installed here (default ${DEFAULT-VALUE}).") Path pluginDir) {
        spec.commandLine().getOut().print(ConfigCommands.defaults(pluginDir));
        spec.commandLine().getOut().flush();
        return 0;
    }

    @Command(name = "check", description = "Validate a config file; exit 1 on any error.")
    int check(@Parameters(paramLabel = "FILE", arity = "0..1", defaultValue = "/etc/berth/config.toml") Path file) {
        return ConfigCommands.check(file, spec.commandLine().getOut());
    }

    @Command(name = "dump", description = "Print the effective configuration of a file (file over defaults) as TOML.")
    int dump(@Parameters(paramLabel = "FILE", arity = "0..1", defaultValue = "/etc/berth/config.toml") Path file) {
        try {
            spec.commandLine().getOut().print(ConfigCommands.dump(file));
            spec.commandLine().getOut().flush();
            return 0;
        } catch (ConfigException e) {
            spec.commandLine().getErr().println("berthctl: invalid configuration:\n" + e.getMessage());
            spec.commandLine().getErr().flush();
            return 1;
        }
    }
}
