package dev.berth.cri.registry;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import dev.berth.core.errdefs.BerthException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How images are fetched: the CRI plugin's {@code registry} section.
 *
 * @param maxConcurrentDownloads layers of one image downloaded at the same time
 * @param maxManifestSize        largest manifest or index accepted, in bytes
 * @param maxConfigSize          largest image config accepted, in bytes
 * @param retries                attempts per request before a registry counts as unreachable
 * @param hosts                  per registry host ({@code docker.io}, {@code 127.0.0.1:5000})
 * @param pullProgressTimeout    a transfer that receives no byte for this long cancels the pull; zero: never. The
 *                               CRI plugin's {@code image_pull_progress_timeout}, outside this section
 */
public record RegistryConfig(int maxConcurrentDownloads, int maxManifestSize, int maxConfigSize, int retries,
                             Map<String, Host> hosts, Duration pullProgressTimeout) {
    public static final int DEFAULT_MAX_CONCURRENT_DOWNLOADS = 3;
    public static final int DEFAULT_MAX_MANIFEST_SIZE = 4 << 20;
    public static final int DEFAULT_MAX_CONFIG_SIZE = 8 << 20;
    public static final int DEFAULT_RETRIES = 3;
    public static final Duration DEFAULT_PULL_PROGRESS_TIMEOUT = Duration.ofMinutes(5);
    /** The schema-only entry of reference.conf's {@code hosts} table; never a real host. */
    private static final String TEMPLATE = "<name>";
    private static final String SECTION = "registry";

    public RegistryConfig {
        positive("max_concurrent_downloads", maxConcurrentDownloads);
        positive("max_manifest_size", maxManifestSize);
        positive("max_config_size", maxConfigSize);
        positive("retries", retries);
        hosts = Map.copyOf(hosts);
        pullProgressTimeout = pullProgressTimeout == null ? DEFAULT_PULL_PROGRESS_TIMEOUT : pullProgressTimeout;
        if (pullProgressTimeout.isNegative()) {
            throw BerthException.invalidArgument("%s must not be negative: %s", ProgressTimeout.KEY, pullProgressTimeout);
        }
    }

    /** Every setting at its default, no hosts configured. */
    public static RegistryConfig defaults() {
        return new RegistryConfig(DEFAULT_MAX_CONCURRENT_DOWNLOADS, DEFAULT_MAX_MANIFEST_SIZE, DEFAULT_MAX_CONFIG_SIZE,
                DEFAULT_RETRIES, Map.of(), DEFAULT_PULL_PROGRESS_TIMEOUT);
    }

    /**
     * Reads the {@code registry} section. Missing keys take their defaults (host entries hold only what the user
     * set).
     *
     * @throws BerthException INVALID_ARGUMENT naming the key when a value has the wrong type or range
     */
    public static RegistryConfig from(Config section) {
        Objects.requireNonNull(section, "section");
        try {
            int downloads = intOr(section, "max_concurrent_downloads", DEFAULT_MAX_CONCURRENT_DOWNLOADS);
            int manifest = bytesOr(section, "max_manifest_size", DEFAULT_MAX_MANIFEST_SIZE);
            int config = bytesOr(section, "max_config_size", DEFAULT_MAX_CONFIG_SIZE);
            int retries = intOr(section, "retries", DEFAULT_RETRIES);
            Map<String, Host> hosts = new LinkedHashMap<>();
            if (section.hasPath("hosts")) {
                for (Map.Entry<String, ConfigValue> e : section.getObject("hosts").entrySet()) {
                    if (e.getKey().equals(TEMPLATE)) {
                        continue;
                    }
                    if (!(e.getValue() instanceof ConfigObject o)) {
                        throw BerthException.invalidArgument("%s.hosts.\"%s\": expected a table", SECTION, e.getKey());
                    }
                    hosts.put(e.getKey(), Host.from(e.getKey(), o.toConfig()));
                }
            }
            return new RegistryConfig(downloads, manifest, config, retries, hosts, DEFAULT_PULL_PROGRESS_TIMEOUT);
        } catch (ConfigException e) {
            throw BerthException.invalidArgument("%s: %s", SECTION, e.getMessage());
        }
    }

    /** The settings for {@code host}, the defaults when it has no entry. */
    public Host host(String host) {
        return hosts.getOrDefault(host, Host.DEFAULT);
    }

    /** Whether {@code host} has an entry of its own. */
    public boolean hasHost(String host) {
        return hosts.containsKey(host);
    }

    /** A copy with {@code host} set to {@code settings}. */
    public RegistryConfig withHost(String host, Host settings) {
        Map<String, Host> h = new LinkedHashMap<>(hosts);
        h.put(host, settings);
        return new RegistryConfig(maxConcurrentDownloads, maxManifestSize, maxConfigSize, retries, h, pullProgressTimeout);
    }

    /** A copy with other limits. */
    public RegistryConfig withLimits(int maxConcurrentDownloads, int maxManifestSize, int maxConfigSize, int retries) {
        return new RegistryConfig(maxConcurrentDownloads, maxManifestSize, maxConfigSize, retries, hosts,
                pullProgressTimeout);
    }

    /** A copy with another {@code image_pull_progress_timeout} (zero: off). */
    public RegistryConfig withPullProgressTimeout(Duration timeout) {
        return new RegistryConfig(maxConcurrentDownloads, maxManifestSize, maxConfigSize, retries, hosts, timeout);
    }

    private static int intOr(Config c, String key, int dflt) {
        return c.hasPath(key) ? c.getInt(key) : dflt;
    }

    private static int bytesOr(Config c, String key, int dflt) {
        if (!c.hasPath(key)) {
            return dflt;
        }
        long v = c.getValue(key).valueType() == ConfigValueType.NUMBER ? c.getLong(key) : c.getBytes(key);
        if (v > Integer.MAX_VALUE) {
            throw BerthException.invalidArgument("%s.%s: %d bytes is more than the %d supported", SECTION, key, v, Integer.MAX_VALUE);
        }
        return (int) v;
    }

    private static void positive(String key, int v) {
        if (v <= 0) {
            throw BerthException.invalidArgument("%s.%s must be > 0: %d", SECTION, key, v);
        }
    }

    /**
     * One registry host's settings.
     *
     * @param mirrors    mirror endpoints ({@code http://127.0.0.1:5001}) tried in order before the host itself
     * @param plainHttp  speak plain HTTP to the host
     * @param skipVerify accept any TLS certificate
     * @param caFile     PEM file of extra CA certificates, or empty
     * @param username   basic-auth user used when a pull brings no credentials, or empty
     * @param password   its password; {@link #toString()} hides it
     * @param certFile   PEM client certificate chain presented in the TLS handshake (mutual TLS), or empty
     * @param keyFile    PEM private key of {@code certFile} (PKCS#8, PKCS#1 RSA or SEC1 EC), or empty; set both or
     *                   neither
     */
    public record Host(List<String> mirrors, boolean plainHttp, boolean skipVerify, String caFile, String username,
                       String password, String certFile, String keyFile) {
        public static final Host DEFAULT = new Host(List.of(), false, false, "", "", "");

        public Host {
            mirrors = List.copyOf(mirrors);
            caFile = caFile == null ? "" : caFile;
            username = username == null ? "" : username;
            password = password == null ? "" : password;
            certFile = certFile == null ? "" : certFile;
            keyFile = keyFile == null ? "" : keyFile;
        }

        /** Settings without a client certificate. */
        public Host(List<String> mirrors, boolean plainHttp, boolean skipVerify, String caFile, String username, String password) {
            this(mirrors, plainHttp, skipVerify, caFile, username, password, "", "");
        }

        /** Whether a client certificate is configured. */
        public boolean hasClientCertificate() {
            return !certFile.isEmpty();
        }

        static Host from(String name, Config c) {
            List<String> mirrors = c.hasPath("mirrors") ? c.getStringList("mirrors") : List.of();
            List<String> checked = new ArrayList<>();
            for (int i = 0; i < mirrors.size(); i++) {
                String m = mirrors.get(i).trim();
                try {
                    URI u = new URI(m.contains("://") ? m : "https://" + m);
                    if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
                        throw new URISyntaxException(m, "want http(s)://host[:port]");
                    }
                } catch (URISyntaxException e) {
                    throw BerthException.invalidArgument("%s.hosts.\"%s\".mirrors[%d]: invalid URL \"%s\": %s", SECTION, name, i, m,
                            e.getReason());
                }
                checked.add(m);
            }
            String certFile = c.hasPath("cert_file") ? c.getString("cert_file").trim() : "";
            String keyFile = c.hasPath("key_file") ? c.getString("key_file").trim() : "";
            if (!certFile.isEmpty() && keyFile.isEmpty()) {
                throw BerthException.invalidArgument("%s.hosts.\"%s\".key_file: missing; cert_file \"%s\" needs the PEM file of its private key"
                        + " (set both or neither)", SECTION, name, certFile);
            }
            if (certFile.isEmpty() && !keyFile.isEmpty()) {
                throw BerthException.invalidArgument("%s.hosts.\"%s\".cert_file: missing; key_file \"%s\" needs the PEM file of its certificate"
                        + " chain (set both or neither)", SECTION, name, keyFile);
            }
            return new Host(checked,
                    c.hasPath("plain_http") && c.getBoolean("plain_http"),
                    c.hasPath("skip_verify") && c.getBoolean("skip_verify"),
                    c.hasPath("ca_file") ? c.getString("ca_file") : "",
                    c.hasPath("username") ? c.getString("username") : "",
                    c.hasPath("password") ? c.getString("password") : "",
                    certFile, keyFile);
        }

        /** Basic-auth credentials from this entry, or {@link Credentials#none()}. */
        public Credentials credentials() {
            return username.isEmpty() ? Credentials.none() : Credentials.basic(username, password);
        }

        @Override
        public String toString() {
            return "Host[mirrors=" + mirrors + ", plainHttp=" + plainHttp + ", skipVerify=" + skipVerify + ", caFile=" + caFile
                    + ", username=" + username + ", password=" + (password.isEmpty() ? "" : "<redacted>") + ", certFile=" + certFile
                    + ", keyFile=" + keyFile + "]";
        }
    }
}
