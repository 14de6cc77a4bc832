package dev.berth.core.plugin;

import java.util.Objects;
import java.util.Optional;

/**
 * A dependency of a plugin: every plugin of a type, or one plugin by type and id.
 *
 * <p>A plugin with an unmet required dependency is skipped, with the reason. An optional requirement only
 * orders init: the dependency is initialised first when it exists, and the plugin starts without it otherwise.
 *
 * @param type     plugin type, e.g. {@code io.berth.content.v1}
 * @param id       a specific plugin id, or empty for "at least one plugin of this type"
 * @param optional whether the plugin can run without it
 */
public record Requirement(String type, Optional<String> id, boolean optional) {
    public Requirement {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(id, "id");
    }

    /** At least one working plugin of this type. */
    public static Requirement type(String type) {
        return new Requirement(type, Optional.empty(), false);
    }

    /** Exactly this plugin. */
    public static Requirement plugin(String type, String id) {
        return new Requirement(type, Optional.of(id), false);
    }

    /** Initialise plugins of this type first if there are any, but start without them too. */
    public static Requirement optionalType(String type) {
        return new Requirement(type, Optional.empty(), true);
    }

    public boolean matches(Registration r) {
        return r.type().equals(type) && id.map(r.id()::equals).orElse(true);
    }

    @Override
    public String toString() {
        return id.map(i -> type + "." + i).orElse(type + ".*") + (optional ? " (optional)" : "");
    }
}
