package dev.berth.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tomlj.Toml;
import org.tomlj.TomlArray;
import org.tomlj.TomlParseError;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlTable;

/**
 * Reads a TOML config file and layers it over the {@code reference.conf} of every class loader given (the daemon's
 * and each plugin's). The reference files are also the schema: a key they do not define, or a value of another
 * type, is an error located at its line in the TOML file.
 */
public final class ConfigLoader {
    /** The only config format version this build reads. */
    public static final int VERSION = 1;
    private static final String PLUGINS = "plugins";

    /** Top-level reference.conf key listing settings removed in earlier releases: {key, release, note}. */
    static final String DROPPED = "_dropped";

    private final Config reference;
    private final Map<String, String> dropped = new LinkedHashMap<>();

    /** @param loaders class loaders whose {@code reference.conf} resources (all of them) define the schema */
    public ConfigLoader(List<ClassLoader> loaders) {
        Set<URL> urls = new LinkedHashSet<>();
        for (ClassLoader l : loaders) {
            try {
                Enumeration<URL> e = l.getResources("reference.conf");
                while (e.hasMoreElements()) {
                    urls.add(e.nextElement());
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list reference.conf resources", e);
            }
        }
        Config merged = ConfigFactory.empty();
        ConfigParseOptions opts = ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF).setAllowMissing(false);
        for (URL u : urls) {
            Config c = ConfigFactory.parseURL(u, opts);
            if (c.hasPath(DROPPED)) {
                for (Config d : c.getConfigList(DROPPED)) {
                    String note = d.hasPath("note") ? ": " + d.getString("note") : "";
                    dropped.put(d.getString("key"), "removed in Berth " + d.getString("release") + note + "; ignored");
                }
            }
            merged = merged.withFallback(c.withoutPath(DROPPED));
        }
        this.reference = merged.resolve();
    }

    /** The built-in defaults alone, as if the config file were empty. */
    public LoadedConfig defaults() {
        return new LoadedConfig(Schema.withoutTemplates(reference.root()).toConfig(), List.of());
    }

    /**
     * @throws ConfigException when the file is missing, is not TOML, or has any ERROR
     */
    public LoadedConfig load(Path file) {
        return load(read(file), file.toString());
    }

    /**
     * @param source names the text in messages (normally the file path)
     * @throws ConfigException when the text is not TOML or has any ERROR
     */
    public LoadedConfig load(String text, String source) {
        Parsed p = parse(text, source);
        if (p.problems.stream().anyMatch(x -> x.severity() == ConfigProblem.Severity.ERROR)) {
            throw new ConfigException(p.problems);
        }
        Config user = ConfigValueFactory.fromMap(p.tree, source).toConfig();
        Config effective = user.withFallback(Schema.withoutTemplates(reference.root())).resolve();
        return new LoadedConfig(effective, p.problems);
    }

    /** Every problem in the file, errors and warnings, without throwing for them. */
    public List<ConfigProblem> check(Path file) {
        try {
            return parse(read(file), file.toString()).problems;
        } catch (ConfigException e) {
            return e.problems();
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(List.of(problem(file.toString(), 0, 0, "", "config file not found")));
        } catch (IOException e) {
            throw new ConfigException(List.of(problem(file.toString(), 0, 0, "", "cannot read config file: " + e)));
        }
    }

    private record Parsed(Map<String, Object> tree, List<ConfigProblem> problems) {
    }

    private Parsed parse(String text, String source) {
        TomlParseResult toml = Toml.parse(text);
        List<ConfigProblem> problems = new ArrayList<>();
        for (TomlParseError e : toml.errors()) {
            problems.add(problem(source, e.position().line(), e.position().column(), "", e.getMessage()));
        }
        if (!problems.isEmpty()) {
            return new Parsed(Map.of(), problems);
        }
        Object version = toml.get(List.of("version"));
        if (version != null && !Long.valueOf(VERSION).equals(version)) {
            var pos = toml.inputPositionOf(List.of("version"));
            problems.add(problem(source, pos.line(), pos.column(), "version",
                    "unsupported config version " + version + "; this berthd reads version " + VERSION));
        }
        Map<String, Object> tree = new Validator(source, problems, dropped).table(toml, reference.root(), List.of());
        return new Parsed(tree, problems);
    }

    static ConfigProblem problem(String source, int line, int column, String key, String message) {
        return new ConfigProblem(ConfigProblem.Severity.ERROR, source, line, column, key, message);
    }

    /** Walks the TOML tree beside the schema, collecting problems and the plain-Java tree of accepted values. */
    private static final class Validator {
        private final String source;
        private final List<ConfigProblem> problems;
        private final Map<String, String> dropped;

        Validator(String source, List<ConfigProblem> problems, Map<String, String> dropped) {
            this.source = source;
            this.problems = problems;
            this.dropped = dropped;
        }

        Map<String, Object> table(TomlTable t, ConfigObject schema, List<String> path) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (String key : t.keySet()) {
                List<String> here = append(path, key);
                List<String> one = List.of(key);
                Object value = t.get(one);
                var pos = t.inputPositionOf(one);
                int line = pos == null ? 0 : pos.line();
                int col = pos == null ? 0 : pos.column();
                ConfigValue expected = Schema.lookup(schema, key);
                if (expected == null) {
                    String gone = dropped.get(TomlKeys.dotted(here));
                    if (gone != null) {
                        problems.add(new ConfigProblem(ConfigProblem.Severity.WARNING, source, line, col,
                                TomlKeys.dotted(here), gone));
                    } else if (path.equals(List.of(PLUGINS))) {
                        problems.add(new ConfigProblem(ConfigProblem.Severity.WARNING, source, line, col,
                                TomlKeys.dotted(here), "no plugin named '" + key + "' is installed; section ignored"));
                    } else {
                        String hint = Suggest.nearest(key, schema.keySet()).map(s -> "; did you mean '" + s + "'?").orElse("");
                        problems.add(problem(source, line, col, TomlKeys.dotted(here), "unknown key" + hint));
                    }
                    continue;
                }
                String wrong = Schema.typeMismatch(expected, value);
                if (wrong != null) {
                    problems.add(problem(source, line, col, TomlKeys.dotted(here), wrong));
                    continue;
                }
                out.put(key, value instanceof TomlTable sub ? table(sub, (ConfigObject) expected, here) : plain(value));
            }
            return out;
        }

        private static Object plain(Object v) {
            if (v instanceof TomlTable t) {
                Map<String, Object> m = new LinkedHashMap<>();
                for (String k : t.keySet()) {
                    m.put(k, plain(t.get(List.of(k))));
                }
                return m;
            }
            if (v instanceof TomlArray a) {
                List<Object> l = new ArrayList<>();
                for (int i = 0; i < a.size(); i++) {
                    l.add(plain(a.get(i)));
                }
                return l;
            }
            if (v instanceof String || v instanceof Number || v instanceof Boolean) {
                return v;
            }
            return v.toString();
        }

        private static List<String> append(List<String> path, String key) {
            List<String> l = new ArrayList<>(path);
            l.add(key);
            return l;
        }
    }
}
