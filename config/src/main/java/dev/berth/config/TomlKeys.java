package dev.berth.config;

import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Spells keys the way a TOML file would: bare where allowed, quoted otherwise. */
final class TomlKeys {
    private static final Pattern BARE = Pattern.compile("[A-Za-z0-9_-]+");

    private TomlKeys() {
    }

    static String key(String k) {
        return BARE.matcher(k).matches() ? k : TomlWriter.string(k);
    }

    static String dotted(List<String> path) {
        return path.stream().map(TomlKeys::key).collect(Collectors.joining("."));
    }
}
