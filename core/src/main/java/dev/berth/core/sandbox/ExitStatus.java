package dev.berth.core.sandbox;

import java.time.Instant;

/** How a sandbox ended: exit code of its infra process (0 when it has none) and when. */
public record ExitStatus(int exitStatus, Instant exitedAt) {
}
