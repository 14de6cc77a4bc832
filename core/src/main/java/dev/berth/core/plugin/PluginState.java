package dev.berth.core.plugin;

/** Where a plugin ended up at startup. */
public enum PluginState {
    /** Initialised and serving. */
    OK,
    /** Not initialised: disabled, or something it requires is missing or failed. */
    SKIPPED,
    /** Its init threw. */
    ERROR;

    /** Lower-case, as {@code berthctl plugins ls} prints it. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
