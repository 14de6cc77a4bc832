package dev.berth.cri.streaming;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValueType;
import dev.berth.core.errdefs.BerthException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How the streaming server (exec, attach, port-forward URLs) listens and how long its pieces may wait.
 *
 * @param address               host or IP the server listens on and names in its URLs
 * @param port                  TCP port; 0 picks a free one at start
 * @param tls                   serve https: the given certificate, else a self-signed one made at start
 * @param certFile              PEM certificate chain (leaf first), or "" with keyFile "" for a self-signed one
 * @param keyFile               PEM private key of certFile's leaf, or ""
 * @param tokenTtl              how long a URL stays usable after the CRI call returned it
 * @param idleTimeout           a connection with no traffic either way for this long is closed
 * @param streamCreationTimeout how long a client may take to send its request and open its streams
 * @param maxPendingTokens      URLs handed out but not yet used, beyond which the CRI calls are refused
 */
public record StreamSettings(String address, int port, boolean tls, String certFile, String keyFile,
                             Duration tokenTtl, Duration idleTimeout, Duration streamCreationTimeout, int maxPendingTokens) {
    static final String ADDRESS = "stream_server_address";
    static final String PORT = "stream_server_port";
    static final String TLS = "enable_tls_streaming";
    static final String CERT_FILE = "stream_tls_cert_file";
    static final String KEY_FILE = "stream_tls_key_file";
    static final String TOKEN_TTL = "stream_token_ttl";
    static final String IDLE_TIMEOUT = "stream_idle_timeout";
    static final String CREATION_TIMEOUT = "stream_creation_timeout";
    static final String MAX_PENDING = "max_pending_streams";

    public StreamSettings {
        Objects.requireNonNull(certFile, CERT_FILE);
        Objects.requireNonNull(keyFile, KEY_FILE);
        if (address == null || address.isBlank()) {
            throw BerthException.invalidArgument("%s must name a host or IP address to listen on, got \"%s\"", ADDRESS, address);
        }
        if (port < 0 || port > 65535) {
            throw BerthException.invalidArgument("%s must be 0 (any free port) to 65535, got %d", PORT, port);
        }
        if (certFile.isEmpty() != keyFile.isEmpty()) {
            throw BerthException.invalidArgument("set both %s and %s, or neither (a self-signed certificate is made): got \"%s\" and \"%s\"",
                    CERT_FILE, KEY_FILE, certFile, keyFile);
        }
        positive(TOKEN_TTL, tokenTtl);
        positive(IDLE_TIMEOUT, idleTimeout);
        positive(CREATION_TIMEOUT, streamCreationTimeout);
        if (maxPendingTokens < 1) {
            throw BerthException.invalidArgument("%s must be at least 1, got %d", MAX_PENDING, maxPendingTokens);
        }
    }

    /**
     * Reads the CRI plugin's streaming keys; missing keys take their defaults. With TLS on, the certificate and key
     * files must be readable now, so a typo fails at start rather than at the first kubectl exec.
     *
     * @throws BerthException INVALID_ARGUMENT naming the key when a value has the wrong type or range
     */
    public static StreamSettings from(Config c) {
        Objects.requireNonNull(c, "config");
        boolean tls = bool(c, TLS, false);
        String cert = string(c, CERT_FILE, "");
        String key = string(c, KEY_FILE, "");
        StreamSettings s = new StreamSettings(string(c, ADDRESS, "127.0.0.1"), port(c), tls, cert, key,
                duration(c, TOKEN_TTL, Duration.ofMinutes(1)), duration(c, IDLE_TIMEOUT, Duration.ofHours(4)),
                duration(c, CREATION_TIMEOUT, Duration.ofSeconds(30)), integer(c, MAX_PENDING, 1000));
        if (tls && !cert.isEmpty()) {
            readable(CERT_FILE, cert);
            readable(KEY_FILE, key);
        }
        return s;
    }

    /** Whether TLS uses a certificate made at start rather than configured files. */
    boolean selfSigned() {
        return certFile.isEmpty();
    }

    private static int port(Config c) {
        if (!c.hasPath(PORT)) {
            return 0;
        }
        // Kubelet-era configs write the port as a string ("0", "10010"); accept that as well as a number.
        try {
            if (c.getValue(PORT).valueType() == ConfigValueType.STRING) {
                return Integer.parseInt(c.getString(PORT).trim());
            }
            return c.getInt(PORT);
        } catch (NumberFormatException | ConfigException e) {
            throw BerthException.invalidArgument("%s: want a port number 0-65535, got %s", PORT, c.getValue(PORT).render());
        }
    }

    /** A duration must be written with its unit: a bare number would silently mean milliseconds. */
    private static Duration duration(Config c, String key, Duration dflt) {
        if (!c.hasPath(key)) {
            return dflt;
        }
        try {
            if (c.getValue(key).valueType() != ConfigValueType.STRING) {
                throw new ConfigException.BadValue(key, "a number needs a unit");
            }
            return c.getDuration(key);
        } catch (ConfigException e) {
            throw BerthException.invalidArgument("%s: want a duration such as \"30s\", \"1m\" or \"4h\": %s", key, e.getMessage());
        }
    }

    private static String string(Config c, String key, String dflt) {
        try {
            return c.hasPath(key) ? c.getString(key) : dflt;
        } catch (ConfigException e) {
            throw BerthException.invalidArgument("%s: want a string: %s", key, e.getMessage());
        }
    }

    private static boolean bool(Config c, String key, boolean dflt) {
        try {
            return c.hasPath(key) ? c.getBoolean(key) : dflt;
        } catch (ConfigException e) {
            throw BerthException.invalidArgument("%s: want true or false: %s", key, e.getMessage());
        }
    }

    private static int integer(Config c, String key, int dflt) {
        try {
            return c.hasPath(key) ? c.getInt(key) : dflt;
        } catch (ConfigException e) {
            throw BerthException.invalidArgument("%s: want a whole number: %s", key, e.getMessage());
        }
    }

    private static void positive(String key, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw BerthException.invalidArgument("%s must be longer than 0, got %s", key, d);
        }
    }

    private static void readable(String key, String file) {
        if (!Files.isReadable(Path.of(file))) {
            throw BerthException.invalidArgument("%s: cannot read %s", key, file);
        }
    }
}
