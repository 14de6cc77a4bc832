package dev.berth.core.errdefs;

/**
 * The kinds of failure a plugin can report. Plugins throw {@link BerthException} with one of these;
 * only the instrumented CRI layer turns a kind into a gRPC status, so the mapping lives in one place.
 */
public enum ErrorKind {
    /** The named object (image, sandbox, container, plugin…) does not exist. */
    NOT_FOUND,
    /** An object with this name or id exists already. */
    ALREADY_EXISTS,
    /** The request is malformed; the message names the field. */
    INVALID_ARGUMENT,
    /** The object is not in a state that allows the operation (e.g. exec in a stopped container). */
    FAILED_PRECONDITION,
    /** A dependency (registry, daemon still recovering, plugin not loaded) cannot serve now; retrying may work. */
    UNAVAILABLE,
    /** The operation ran out of time. */
    DEADLINE_EXCEEDED,
    /** Disk, memory, file descriptors or a configured cap is exhausted. */
    RESOURCE_EXHAUSTED,
    /** The caller is not allowed (e.g. registry refused credentials). */
    PERMISSION_DENIED,
    /** The operation was cancelled by the caller. */
    CANCELLED,
    /** Not implemented by this build; the message says which issue area owns it. */
    UNIMPLEMENTED,
    /** A bug or an unexpected failure of a component. */
    INTERNAL
}
