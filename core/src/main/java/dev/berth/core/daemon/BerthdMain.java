package dev.berth.core.daemon;

import dev.berth.config.ConfigException;
import dev.berth.core.logging.LogSetup;
import dev.berth.core.registry.StartupException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import sun.misc.Signal;

/** {@code berthd}: runs the daemon in the foreground until SIGTERM or SIGINT; {@code berthd config …} inspects config. */
@Command(name = "berthd", mixinStandardHelpOptions = true, versionProvider = BerthdMain.Version.class,
        description = "Berth, a Kubernetes container runtime (CRI) daemon.",
        subcommands = BerthdMain.ConfigCmd.class)
public final class BerthdMain implements Callable<Integer> {
    /** Exit status when startup fails (bad config, socket in use, required plugin failed). */
    static final int EXIT_STARTUP = 1;

    @Option(names = {"-c", "--config"}, description = "Config file (default ${DEFAULT-VALUE} if it exists, else built-in defaults).")
    Path config;
    @Option(names = "--root", description = "Overrides root.")
    Path root;
    @Option(names = "--state", description = "Overrides state.")
    Path state;
    @Option(names = {"-a", "--address"}, description = "Overrides grpc.address (the socket).")
    Path address;
    @Option(names = {"-l", "--log-level"}, description = "Overrides debug.level.")
    String logLevel;

    private final Instant started;

    BerthdMain(Instant started) {
        this.started = started;
    }

    public static void main(String[] args) {
        Instant started = Instant.now();
        System.exit(new CommandLine(new BerthdMain(started)).execute(args));
    }

    @Override
    public Integer call() {
        LogSetup.configure(logLevel != null ? logLevel : "info", "text");
        BootConfig boot;
        try {
            boot = BootConfig.load(config, overrides());
        } catch (ConfigException e) {
            System.err.println("berthd: invalid configuration:\n" + e.getMessage());
            return EXIT_STARTUP;
        }
        LogSetup.configure(boot.daemon().logLevel(), boot.daemon().logFormat());
        Daemon daemon;
        try {
            daemon = Daemon.start(boot, started);
        } catch (StartupException | IOException e) {
            LoggerFactory.getLogger(BerthdMain.class).error("berthd cannot start: {}", e.getMessage());
            return EXIT_STARTUP;
        }
        CountDownLatch stop = new CountDownLatch(1);
        Signal.handle(new Signal("TERM"), s -> stop.countDown());
        Signal.handle(new Signal("INT"), s -> stop.countDown());
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        daemon.stop();
        return 0;
    }

    private Map<String, Object> overrides() {
        Map<String, Object> o = new LinkedHashMap<>();
        if (root != null) {
            o.put("root", root.toAbsolutePath().toString());
        }
        if (state != null) {
            o.put("state", state.toAbsolutePath().toString());
        }
        if (address != null) {
            o.put("grpc.address", address.toAbsolutePath().toString());
        }
        if (logLevel != null) {
            o.put("debug.level", logLevel);
        }
        return o;
    }

    /** {@code berthd config default|dump|check}. */
    @Command(name = "config", description = "Print or check configuration.", mixinStandardHelpOptions = true)
    static final class ConfigCmd {
        @Command(name = "default", description = "Print the complete default configuration as TOML.")
        int defaults(@Option(names = "--plugin-dir", defaultValue = "/var/lib/berth/plugins",
                description = "Include the sections of the plugins installed here (default ${DEFAULT-VALUE}).") Path pluginDir) {
            System.out.print(ConfigCommands.defaults(pluginDir));
            return 0;
        }

        @Command(name = "dump", description = "Print the effective configuration (file over defaults) as TOML.")
        int dump(@Option(names = {"-c", "--config"}) Path file) {
            try {
                System.out.print(ConfigCommands.dump(file));
                return 0;
            } catch (ConfigException e) {
                System.err.println("berthd: invalid configuration:\n" + e.getMessage());
                return EXIT_STARTUP;
            }
        }

        @Command(name = "check", description = "Validate a config file without starting; exit 1 on any error.")
        int check(@Parameters(paramLabel = "FILE", arity = "0..1", defaultValue = "/etc/berth/config.toml") Path file) {
            return ConfigCommands.check(file, new PrintWriter(System.out));
        }
    }

    /** Prints the build's version for {@code --version}. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            BuildInfo b = BuildInfo.load();
            return new String[] {"berthd " + b.version() + " (revision " + b.revision() + ")"};
        }
    }
}
