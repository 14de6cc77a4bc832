package dev.berth.core.runtime;

import java.time.Instant;

/** A container lifecycle change, as the CRI's {@code ContainerEventType}. */
public record RuntimeEvent(String containerId, Type type, Instant at) {
    public enum Type { CREATED, STARTED, STOPPED, DELETED }
}
