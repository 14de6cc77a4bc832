package dev.berth.core.migrate;

import java.util.List;

/**
 * The outcome of a migration.
 *
 * @param toml     the Berth config, ready for {@code /etc/berth/config.toml}
 * @param unmapped every setting that could not be carried over, in file order
 */
public record Migration(String toml, List<Unmapped> unmapped) {
    public Migration {
        unmapped = List.copyOf(unmapped);
    }
}
