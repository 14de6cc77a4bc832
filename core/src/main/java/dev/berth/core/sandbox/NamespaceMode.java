package dev.berth.core.sandbox;

/** Which namespace a pod's containers share, as the CRI's {@code NamespaceMode}. */
public enum NamespaceMode {
    /** One namespace for the whole pod, held by the sandbox. */
    POD,
    /** Each container gets its own. */
    CONTAINER,
    /** The host's namespace. */
    NODE,
    /** The namespace of another container, {@link NamespaceOptions#targetId()}. */
    TARGET
}
