package dev.berth.core.sandbox;

import java.util.List;

/**
 * A pod's resolver settings. All empty means "use the host's /etc/resolv.conf".
 *
 * @param servers  nameserver addresses
 * @param searches search domains
 * @param options  resolver options, e.g. {@code ndots:5}
 */
public record DnsConfig(List<String> servers, List<String> searches, List<String> options) {
    public DnsConfig {
        servers = servers == null ? List.of() : List.copyOf(servers);
        searches = searches == null ? List.of() : List.copyOf(searches);
        options = options == null ? List.of() : List.copyOf(options);
    }

    public static DnsConfig none() {
        return new DnsConfig(null, null, null);
    }

    public boolean isEmpty() {
        return servers.isEmpty() && searches.isEmpty() && options.isEmpty();
    }
}
