package dev.berth.core.daemon;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * berthd's command line.
 *
 * @param config     {@code -c/--config}, or null for the default file (or built-in defaults when it is absent)
 * @param logLevel   {@code -l/--log-level}, or null
 * @param overrides  settings given as options, by dotted config key, over the file
 * @param pluginDir  for {@code config default}
 * @param file       for {@code config check}, and {@code config migrate}'s containerd config
 */
record BerthdArgs(Command command, Path config, String logLevel, Map<String, Object> overrides, Path pluginDir,
                  Path file) {
    enum Command { SERVE, HELP, VERSION, CONFIG_DEFAULT, CONFIG_DUMP, CONFIG_CHECK, CONFIG_MIGRATE }

    static final String USAGE = """
            Usage: berthd [-c FILE] [--root DIR] [--state DIR] [-a SOCKET] [-l LEVEL]
                   berthd config default [--plugin-dir DIR]
                   berthd config dump [-c FILE]
                   berthd config check [FILE]
                   berthd config migrate --from-containerd FILE
            Berth, a Kubernetes container runtime (CRI) daemon. Runs in the foreground until SIGTERM or SIGINT.
              -c, --config FILE     config file (default /etc/berth/config.toml if it exists, else built-in defaults)
                  --root DIR        overrides root
                  --state DIR       overrides state
              -a, --address SOCKET  overrides grpc.address (the socket)
              -l, --log-level LVL   overrides debug.level (trace, debug, info, warn, error)
              -h, --help            print this help
              -V, --version         print the version
            config default          print the complete default configuration as TOML, with the sections of the
                                    plugins installed in --plugin-dir (default /var/lib/berth/plugins)
            config dump             print the effective configuration (file over defaults) as TOML
            config check            validate a config file (default /etc/berth/config.toml) without starting;
                                    exit 1 on any error
            config migrate          print a Berth config made from a containerd config.toml (version 1, 2 or 3);
                                    list on stderr each setting that could not be carried over, and why
            """;

    /** @throws IllegalArgumentException naming the offending argument */
    static BerthdArgs parse(String[] argv) {
        List<String> args = List.of(argv);
        if (!args.isEmpty() && args.get(0).equals("config")) {
            return parseConfig(args.subList(1, args.size()));
        }
        Path config = null;
        String level = null;
        Map<String, Object> overrides = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            switch (a) {
                case "-h", "--help" -> {
                    return simple(Command.HELP);
                }
                case "-V", "--version" -> {
                    return simple(Command.VERSION);
                }
                case "-c", "--config" -> config = Path.of(value(args, i++));
                case "--root" -> overrides.put("root", absolute(value(args, i++)));
                case "--state" -> overrides.put("state", absolute(value(args, i++)));
                case "-a", "--address" -> overrides.put("grpc.address", absolute(value(args, i++)));
                case "-l", "--log-level" -> {
                    level = value(args, i++);
                    overrides.put("debug.level", level);
                }
                default -> throw new IllegalArgumentException("unknown argument '" + a + "'");
            }
        }
        return new BerthdArgs(Command.SERVE, config, level, overrides, null, null);
    }

    private static BerthdArgs parseConfig(List<String> args) {
        if (args.isEmpty()) {
            throw new IllegalArgumentException("config needs a subcommand: default, dump, check or migrate");
        }
        List<String> rest = args.subList(1, args.size());
        switch (args.get(0)) {
            case "default" -> {
                Path dir = Path.of("/var/lib/berth/plugins");
                for (int i = 0; i < rest.size(); i++) {
                    if (!rest.get(i).equals("--plugin-dir")) {
                        throw new IllegalArgumentException("unknown argument '" + rest.get(i) + "' to config default");
                    }
                    dir = Path.of(value(rest, i++));
                }
                return new BerthdArgs(Command.CONFIG_DEFAULT, null, null, Map.of(), dir, null);
            }
            case "dump" -> {
                Path file = null;
                for (int i = 0; i < rest.size(); i++) {
                    if (!rest.get(i).equals("-c") && !rest.get(i).equals("--config")) {
                        throw new IllegalArgumentException("unknown argument '" + rest.get(i) + "' to config dump");
                    }
                    file = Path.of(value(rest, i++));
                }
                return new BerthdArgs(Command.CONFIG_DUMP, file, null, Map.of(), null, null);
            }
            case "check" -> {
                if (rest.size() > 1 || (!rest.isEmpty() && rest.get(0).startsWith("-"))) {
                    throw new IllegalArgumentException("config check takes one FILE");
                }
                Path file = rest.isEmpty() ? BootConfig.DEFAULT_FILE : Path.of(rest.get(0));
                return new BerthdArgs(Command.CONFIG_CHECK, null, null, Map.of(), null, file);
            }
            case "migrate" -> {
                if (rest.size() != 2 || !rest.get(0).equals("--from-containerd")) {
                    throw new IllegalArgumentException("config migrate takes --from-containerd FILE");
                }
                return new BerthdArgs(Command.CONFIG_MIGRATE, null, null, Map.of(), null, Path.of(rest.get(1)));
            }
            default -> throw new IllegalArgumentException("unknown config subcommand '" + args.get(0) + "'");
        }
    }

    private static BerthdArgs simple(Command c) {
        return new BerthdArgs(c, null, null, Map.of(), null, null);
    }

    private static String value(List<String> args, int i) {
        if (i + 1 >= args.size()) {
            throw new IllegalArgumentException(args.get(i) + " needs a value");
        }
        return args.get(i + 1);
    }

    private static String absolute(String p) {
        return Path.of(p).toAbsolutePath().toString();
    }
}
