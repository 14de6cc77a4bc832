package dev.berth.core.sandbox;

/** The CRI's two sandbox states. */
public enum SandboxState {
    /** Started, namespaces and network in place. */
    READY,
    /** Created but not started, stopped, or found broken after a restart. */
    NOTREADY
}
