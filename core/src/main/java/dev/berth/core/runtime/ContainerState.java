package dev.berth.core.runtime;

/** The lifecycle of a container, as the CRI's {@code ContainerState}. */
public enum ContainerState {
    /** Created; the user's command has not run. */
    CREATED,
    /** The user's command runs. */
    RUNNING,
    /** The command ended (or never could start). */
    EXITED,
    /** The shim cannot tell (e.g. the monitor vanished without an exit record). */
    UNKNOWN
}
