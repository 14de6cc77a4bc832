package dev.berth.cli.streaming;

/**
 * One {@code [LOCAL:]REMOTE} argument of port-forward: a local port on 127.0.0.1 (0: any free one) forwarded to a
 * port in the pod.
 */
public record PortMapping(int local, int remote) {
    public PortMapping {
        if (local < 0 || local > 65535) {
            throw new IllegalArgumentException("local port " + local + " is not in 0-65535");
        }
        if (remote < 1 || remote > 65535) {
            throw new IllegalArgumentException("remote port " + remote + " is not in 1-65535");
        }
    }

    /** Reads "8080", ":8080" or "9000:8080", as kubectl and crictl take them. */
    public static PortMapping parse(String spec) {
        int colon = spec.indexOf(':');
        String local = colon < 0 ? "" : spec.substring(0, colon);
        String remote = colon < 0 ? spec : spec.substring(colon + 1);
        try {
            return new PortMapping(local.isEmpty() ? 0 : Integer.parseInt(local), Integer.parseInt(remote));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("\"" + spec + "\" is not [LOCAL:]REMOTE with port numbers");
        }
    }
}
