package dev.berth.cri.registry;

import dev.berth.core.content.Digest;
import dev.berth.core.errdefs.BerthException;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A normalised image reference, as docker and containerd spell them: {@code busybox} becomes
 * {@code docker.io/library/busybox:latest}, {@code user/img} becomes {@code docker.io/user/img:latest}. The grammar
 * is the distribution spec's: lowercase path components separated by {@code /}, an optional {@code :tag} and an
 * optional {@code @digest} (both may be given; the digest then decides what is pulled).
 *
 * @param domain the registry host, with port if any ({@code docker.io}, {@code 127.0.0.1:5000})
 * @param path   the repository path inside the registry ({@code library/busybox})
 * @param tag    the tag, or null when only a digest was given
 * @param digest the digest, or null
 */
public record ImageReference(String domain, String path, String tag, Digest digest) {
    /** Where references without a domain live. */
    public static final String DOCKER_HUB = "docker.io";
    private static final String LEGACY_DOCKER_HUB = "index.docker.io";
    private static final int MAX_NAME_LENGTH = 255;

    private static final Pattern PATH_COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
    private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");
    private static final Pattern DOMAIN = Pattern.compile(
            "(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*"
                    + "|\\[[a-fA-F0-9:]+])(?::[0-9]+)?");
    private static final Pattern IMAGE_ID = Pattern.compile("(?:sha256:)?[a-f0-9]{64}");

    public ImageReference {
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(path, "path");
        if (tag == null && digest == null) {
            throw BerthException.invalidArgument("invalid image reference %s/%s: needs a tag or a digest", domain, path);
        }
    }

    /**
     * Whether {@code s} is an image id rather than a reference: 64 lowercase hex digits, with or without
     * {@code sha256:}. Docker refuses such strings as repository names, so they never collide with a reference.
     */
    public static boolean looksLikeId(String s) {
        return s != null && IMAGE_ID.matcher(s).matches();
    }

    /**
     * Parses and normalises {@code ref}.
     *
     * @throws BerthException INVALID_ARGUMENT naming {@code ref} and what is wrong with it
     */
    public static ImageReference parse(String ref) {
        if (ref == null || ref.isEmpty()) {
            throw BerthException.invalidArgument("invalid image reference \"\": empty");
        }
        if (looksLikeId(ref)) {
            throw invalid(ref, "a 64-hex image id is not a repository name");
        }
        String rest = ref;
        Digest digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            String d = rest.substring(at + 1);
            rest = rest.substring(0, at);
            try {
                digest = Digest.parse(d);
            } catch (BerthException e) {
                throw invalid(ref, "bad digest \"" + d + "\"");
            }
        }
        String tag = null;
        int colon = rest.lastIndexOf(':');
        if (colon > rest.lastIndexOf('/')) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
            if (!TAG.matcher(tag).matches()) {
                throw invalid(ref, tag.isEmpty() ? "empty tag" : "bad tag \"" + tag + "\"");
            }
        }
        if (rest.isEmpty()) {
            throw invalid(ref, "empty repository name");
        }
        String domain;
        String path;
        int slash = rest.indexOf('/');
        String first = slash < 0 ? null : rest.substring(0, slash);
        if (first != null && (first.contains(".") || first.contains(":") || first.equals("localhost")
                || !first.equals(first.toLowerCase(Locale.ROOT)))) {
            domain = first;
            path = rest.substring(slash + 1);
            if (!DOMAIN.matcher(domain).matches()) {
                throw invalid(ref, "bad registry host \"" + domain + "\"");
            }
        } else {
            domain = DOCKER_HUB;
            path = rest;
        }
        if (domain.equals(LEGACY_DOCKER_HUB)) {
            domain = DOCKER_HUB;
        }
        if (domain.equals(DOCKER_HUB) && path.indexOf('/') < 0) {
            path = "library/" + path;
        }
        checkPath(ref, path);
        if (domain.length() + 1 + path.length() > MAX_NAME_LENGTH) {
            throw invalid(ref, "repository name longer than " + MAX_NAME_LENGTH + " characters");
        }
        if (tag == null && digest == null) {
            tag = "latest";
        }
        return new ImageReference(domain, path, tag, digest);
    }

    private static void checkPath(String ref, String path) {
        if (path.isEmpty()) {
            throw invalid(ref, "empty repository path");
        }
        for (String component : path.split("/", -1)) {
            if (!PATH_COMPONENT.matcher(component).matches()) {
                if (!component.equals(component.toLowerCase(Locale.ROOT))) {
                    throw invalid(ref, "repository name must be lowercase");
                }
                throw invalid(ref, component.isEmpty() ? "empty path component"
                        : "bad path component \"" + component + "\"");
            }
        }
    }

    private static BerthException invalid(String ref, String why) {
        return BerthException.invalidArgument("invalid image reference \"%s\": %s", ref, why);
    }

    /** {@code domain/path}, the repository name. */
    public String name() {
        return domain + "/" + path;
    }

    /** {@code domain/path:tag}, or null when there is no tag. */
    public String repoTag() {
        return tag == null ? null : name() + ":" + tag;
    }

    /** {@code domain/path@digest}: how this repository names the content {@code d}. */
    public String repoDigest(Digest d) {
        return name() + "@" + Objects.requireNonNull(d, "digest");
    }

    /** What to ask the registry for: the digest when there is one, else the tag. */
    public String reference() {
        return digest != null ? digest.toString() : tag;
    }

    /** The same repository with tag {@code t} (validated) and no digest. */
    public ImageReference withTag(String t) {
        if (t == null || !TAG.matcher(t).matches()) {
            throw invalid(name() + ":" + t, "bad tag \"" + t + "\"");
        }
        return new ImageReference(domain, path, t, null);
    }

    /** The same repository pinned to {@code d}, keeping the tag. */
    public ImageReference withDigest(Digest d) {
        return new ImageReference(domain, path, tag, Objects.requireNonNull(d, "digest"));
    }

    /** The full normalised form: {@code domain/path[:tag][@digest]}. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(name());
        if (tag != null) {
            b.append(':').append(tag);
        }
        if (digest != null) {
            b.append('@').append(digest);
        }
        return b.toString();
    }
}
