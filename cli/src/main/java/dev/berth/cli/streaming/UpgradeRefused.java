package dev.berth.cli.streaming;

import java.io.IOException;

/** The streaming server answered the WebSocket upgrade with another HTTP status than 101 (e.g. 404: a used URL). */
public final class UpgradeRefused extends IOException {
    private static final int MAX_BODY = 500;

    private final int status;

    public UpgradeRefused(int status, String body) {
        super("the streaming server refused the connection: HTTP " + status + describe(body));
        this.status = status;
    }

    public int status() {
        return status;
    }

    private static String describe(String body) {
        String b = body == null ? "" : body.strip();
        if (b.length() > MAX_BODY) {
            b = b.substring(0, MAX_BODY) + "…";
        }
        return b.isEmpty() ? "" : ": " + b;
    }
}
