package dev.berth.cri.registry;

import dev.berth.core.errdefs.BerthException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * Registry credentials for one pull, as the CRI's {@code AuthConfig} carries them. Every field may be empty.
 * {@link #toString()} never shows a secret.
 *
 * @param username      basic-auth user
 * @param password      basic-auth password
 * @param auth          base64 of {@code user:password}, an alternative to the two above
 * @param identityToken an OAuth2 refresh token, exchanged at the token server for an access token
 * @param registryToken a bearer token sent to the registry as is
 */
public record Credentials(String username, String password, String auth, String identityToken, String registryToken) {
    private static final Credentials NONE = new Credentials("", "", "", "", "");

    public Credentials {
        username = username == null ? "" : username;
        password = password == null ? "" : password;
        auth = auth == null ? "" : auth;
        identityToken = identityToken == null ? "" : identityToken;
        registryToken = registryToken == null ? "" : registryToken;
    }

    /** No credentials: anonymous access. */
    public static Credentials none() {
        return NONE;
    }

    /** Basic-auth credentials. */
    public static Credentials basic(String username, String password) {
        return new Credentials(username, password, "", "", "");
    }

    /** Whether nothing is set. */
    public boolean isEmpty() {
        return username.isEmpty() && password.isEmpty() && auth.isEmpty() && identityToken.isEmpty() && registryToken.isEmpty();
    }

    /**
     * The user and password for basic auth: {@link #username}/{@link #password} when a user is set, else decoded
     * from {@link #auth}.
     *
     * @throws BerthException INVALID_ARGUMENT when {@code auth} is not base64 of {@code user:password}
     */
    public Optional<UserPassword> userPassword() {
        if (!username.isEmpty()) {
            return Optional.of(new UserPassword(username, password));
        }
        if (auth.isEmpty()) {
            return Optional.empty();
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(auth.trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw BerthException.invalidArgument("auth.auth is not valid base64");
        }
        int colon = decoded.indexOf(':');
        if (colon <= 0) {
            throw BerthException.invalidArgument("auth.auth must be base64 of \"user:password\"");
        }
        return Optional.of(new UserPassword(decoded.substring(0, colon), decoded.substring(colon + 1)));
    }

    /** The user name to mention in messages, or empty. */
    String describeUser() {
        try {
            return userPassword().map(UserPassword::user).orElse("");
        } catch (BerthException e) {
            return "";
        }
    }

    @Override
    public String toString() {
        return "Credentials[username=" + username + ", password=" + redact(password) + ", auth=" + redact(auth)
                + ", identityToken=" + redact(identityToken) + ", registryToken=" + redact(registryToken) + "]";
    }

    private static String redact(String s) {
        return s.isEmpty() ? "" : "<redacted>";
    }

    /** A decoded basic-auth pair; {@link #toString()} hides the password. */
    public record UserPassword(String user, String password) {
        /** The value of an {@code Authorization: Basic} header. */
        public String header() {
            return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String toString() {
            return "UserPassword[user=" + user + ", password=<redacted>]";
        }
    }
}
