package dev.berth.core.migrate;

import java.util.List;

/**
 * The outcome of a migration.
 *
 * @param toml     the Berth config, ready for {@code /etc/berth/config.toml}
 * @param unmapped every setting that could not be carried over, in file order
 * @param notes    where the migrated config behaves differently from containerd by choice, and how to undo that
 */
public record Migration(String toml, List<Unmapped> unmapped, List<String> notes) {
    public Migration {
        unmapped = List.copyOf(unmapped);
        notes = List.copyOf(notes);
    }
}
