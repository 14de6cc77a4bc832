package dev.berth.core.plugin;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One plugin: its type, its id, what it requires, and how to create it. Its configuration is the section
 * {@code [plugins."<type>.<id>"]}, with defaults from the {@code reference.conf} in the plugin's jar.
 *
 * <pre>{@code
 * Registration.builder(PluginTypes.SNAPSHOTTER, "native")
 *     .requires(Requirement.type(PluginTypes.CONTENT))
 *     .init(ctx -> new NativeSnapshotter(ctx.root(), NativeConfig.from(ctx.config())))
 *     .build();
 * }</pre>
 */
public record Registration(String type, String id, List<Requirement> requires, PluginInit init) {
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]*");

    public Registration {
        Objects.requireNonNull(init, "init");
        if (type == null || !NAME.matcher(type).matches()) {
            throw new IllegalArgumentException("plugin type must match " + NAME + ": " + type);
        }
        if (id == null || !NAME.matcher(id).matches()) {
            throw new IllegalArgumentException("plugin id must match " + NAME + ": " + id);
        }
        requires = List.copyOf(requires);
    }

    /** {@code <type>.<id>}, the name used in config sections, {@code disabled_plugins} and {@code required_plugins}. */
    public String fullName() {
        return type + "." + id;
    }

    public static Builder builder(String type, String id) {
        return new Builder(type, id);
    }

    /** Builds a {@link Registration}. */
    public static final class Builder {
        private final String type;
        private final String id;
        private final List<Requirement> requires = new ArrayList<>();

        private Builder(String type, String id) {
            this.type = type;
            this.id = id;
        }

        public Builder requires(Requirement... requirements) {
            requires.addAll(List.of(requirements));
            return this;
        }

        public Registration init(PluginInit init) {
            return new Registration(type, id, requires, init);
        }
    }
}
