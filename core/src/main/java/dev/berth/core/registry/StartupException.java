package dev.berth.core.registry;

/** The daemon cannot start: a dependency cycle, or a required plugin that is missing, disabled or failed. */
public final class StartupException extends Exception {
    private static final long serialVersionUID = 1L;

    public StartupException(String message) {
        super(message);
    }
}
