package dev.berth.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigUtil;
import java.util.List;

/**
 * A validated configuration: the user's file layered over every plugin's reference.conf.
 *
 * @param effective the merged, resolved tree
 * @param warnings  things in the file that were ignored (sections for absent plugins, dropped keys)
 */
public record LoadedConfig(Config effective, List<ConfigProblem> warnings) {
    public LoadedConfig {
        warnings = List.copyOf(warnings);
    }

    /** The section {@code [plugins."<type>.<id>"]}, empty when the plugin declares none. */
    public Config plugin(String fullName) {
        String path = ConfigUtil.joinPath("plugins", fullName);
        return effective.hasPath(path) ? effective.getConfig(path) : ConfigFactory.empty();
    }

    /** The effective config as TOML, commented from the reference.conf files. */
    public String toToml() {
        return TomlWriter.write(effective);
    }

    /** The effective config as one JSON object. */
    public String toJson() {
        return effective.root().render(ConfigRenderOptions.concise());
    }
}
