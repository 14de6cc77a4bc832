package dev.berth.core.sandbox;

/**
 * Whether a controller can network new pods; the CRI's {@code NetworkReady} condition.
 *
 * @param reason why not, e.g. {@code no network config in /etc/cni/net.d}; "" when ready
 */
public record NetworkReadiness(boolean ready, String reason) {
    public static NetworkReadiness ok() {
        return new NetworkReadiness(true, "");
    }

    public static NetworkReadiness notReady(String reason) {
        return new NetworkReadiness(false, reason);
    }
}
