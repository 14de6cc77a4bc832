package dev.berth.core.daemon;

import dev.berth.config.ConfigException;
import dev.berth.core.logging.LogSetup;
import dev.berth.core.registry.StartupException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * {@code berthd}: runs the daemon in the foreground until SIGTERM or SIGINT; {@code berthd config …} inspects
 * config. Arguments are parsed by {@link BerthdArgs} rather than picocli: picocli's Java 5 class files cannot go
 * into the CDS archive and cost about 170 ms of every start (measured with bench/run), while berthd has only a
 * handful of options. berthctl, where that matters less, uses picocli.
 */
public final class BerthdMain {
    /** Exit status when startup fails (bad config, socket in use, required plugin failed). */
    static final int EXIT_STARTUP = 1;
    /** Exit status for a command line that cannot be parsed. */
    static final int EXIT_USAGE = 2;

    private BerthdMain() {
    }

    public static void main(String[] args) {
        Instant started = Instant.now();
        // netty logs while the warm-up loads it and the main thread sets up logging; slf4j then replays those calls
        // through logback (so they come out in the configured format) and says so in plain text on stderr, which
        // would be the one non-JSON line of format = "json". Its errors still print.
        System.setProperty("slf4j.internal.verbosity", "ERROR");
        Warmup.start();
        System.exit(run(args, started));
    }

    static int run(String[] argv, Instant started) {
        BerthdArgs args;
        try {
            args = BerthdArgs.parse(argv);
        } catch (IllegalArgumentException e) {
            System.err.println("berthd: " + e.getMessage());
            System.err.print(BerthdArgs.USAGE);
            return EXIT_USAGE;
        }
        switch (args.command()) {
            case HELP -> {
                System.out.print(BerthdArgs.USAGE);
                return 0;
            }
            case VERSION -> {
                BuildInfo b = BuildInfo.load();
                System.out.println("berthd " + b.version() + " (revision " + b.revision() + ")");
                return 0;
            }
            case CONFIG_DEFAULT -> {
                System.out.print(ConfigCommands.defaults(args.pluginDir()));
                return 0;
            }
            case CONFIG_DUMP -> {
                try {
                    System.out.print(ConfigCommands.dump(args.config()));
                    return 0;
                } catch (ConfigException e) {
                    System.err.println("berthd: invalid configuration:\n" + e.getMessage());
                    return EXIT_STARTUP;
                }
            }
            case CONFIG_CHECK -> {
                return ConfigCommands.check(args.file(), new PrintWriter(System.out));
            }
            case CONFIG_MIGRATE -> {
                return ConfigCommands.migrate(args.file(), new PrintWriter(System.out), new PrintWriter(System.err));
            }
            default -> {
                return serve(args, started);
            }
        }
    }

    private static int serve(BerthdArgs args, Instant started) {
        LogSetup.configure(args.logLevel() != null ? args.logLevel() : "info", "text");
        BootConfig boot;
        try {
            boot = BootConfig.load(args.config(), args.overrides());
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
}
