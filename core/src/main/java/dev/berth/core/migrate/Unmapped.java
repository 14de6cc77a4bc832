package dev.berth.core.migrate;

/**
 * A setting of the containerd config that has no place in the Berth config, and why.
 *
 * @param key    where it was, as a TOML key ({@code plugins."io.containerd.grpc.v1.cri".enable_selinux}) or a file
 * @param reason what Berth does instead, or that it has no such thing
 */
public record Unmapped(String key, String reason) {
    @Override
    public String toString() {
        return key + ": " + reason;
    }
}
