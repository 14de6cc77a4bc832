package dev.berth.cli.streaming;

import java.net.URI;
import java.net.URISyntaxException;

/** The WebSocket address of a URL that CRI Exec, Attach or PortForward returned. */
public final class StreamUrls {
    private StreamUrls() {
    }

    /** {@code url} with ws/wss for http/https, and {@code query} (may be empty) added to any query it has. */
    public static URI webSocket(String url, String query) throws URISyntaxException {
        URI u = new URI(url);
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(java.util.Locale.ROOT);
        String ws = switch (scheme) {
            case "http", "ws" -> "ws";
            case "https", "wss" -> "wss";
            default -> throw new URISyntaxException(url, "the runtime's streaming URL is not http(s)");
        };
        String q = u.getRawQuery();
        String all = q == null || q.isEmpty() ? query : query.isEmpty() ? q : q + "&" + query;
        return URI.create(ws + "://" + u.getRawAuthority() + (u.getRawPath() == null ? "" : u.getRawPath())
                + (all.isEmpty() ? "" : "?" + all));
    }
}
