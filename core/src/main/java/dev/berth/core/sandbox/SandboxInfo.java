package dev.berth.core.sandbox;

import java.time.Instant;

/**
 * What {@link SandboxController#create} and {@link SandboxController#start} return.
 *
 * @param pid       the sandbox's infra process, or 0 when namespaces are held without one
 * @param netnsPath the pinned network namespace, or "" (host network, or not started)
 */
public record SandboxInfo(String id, long pid, Instant createdAt, String netnsPath) {
}
