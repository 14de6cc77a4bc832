package dev.berth.cri.registry;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One place a repository can be fetched from: a mirror or the registry itself.
 *
 * @param base        {@code scheme://authority[/prefix]}, without the {@code /v2}
 * @param registry    the registry host the image belongs to ({@code docker.io}), named in errors
 * @param mirror      whether this is a mirror (failures then move on to the next endpoint)
 * @param settings    the TLS settings to use
 * @param credentials the credentials to answer challenges with (possibly none)
 * @param httpFallback whether to retry over plain HTTP when TLS fails (loopback hosts)
 */
record RegistryEndpoint(URI base, String registry, boolean mirror, RegistryConfig.Host settings, Credentials credentials,
                        boolean httpFallback) {
    /** The authority (host:port) of the endpoint. */
    String authority() {
        return base.getRawAuthority();
    }

    /** {@code base + /v2/ + rest}, with {@code ns=<registry>} on mirrors so that a shared mirror knows the upstream. */
    URI resolve(String rest) {
        String s = base.toString() + "/v2/" + rest;
        if (mirror) {
            s += (rest.contains("?") ? "&" : "?") + "ns=" + URLEncoder.encode(registry, StandardCharsets.UTF_8);
        }
        return URI.create(s);
    }

    /** Whether {@code authority} (host[:port]) names this machine: localhost, 127.0.0.0/8 or ::1. */
    static boolean isLoopback(String authority) {
        String host = authority.toLowerCase(Locale.ROOT);
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            host = end < 0 ? host : host.substring(1, end);
        } else if (host.indexOf(':') >= 0 && host.indexOf(':') == host.lastIndexOf(':')) {
            host = host.substring(0, host.indexOf(':'));
        }
        if (host.equals("localhost") || host.equals("::1") || host.equals("0:0:0:0:0:0:0:1")) {
            return true;
        }
        String[] parts = host.split("\\.", -1);
        if (parts.length != 4 || !parts[0].equals("127")) {
            return false;
        }
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit) || Integer.parseInt(p) > 255) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return (mirror ? "mirror " : "") + base;
    }
}
