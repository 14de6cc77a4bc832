package dev.berth.sandbox.cni;

import dev.berth.core.errdefs.BerthException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A conflist template in containerd's {@code conf_template} style, filled with the node's pod CIDRs. Only the two
 * placeholders a pod network needs are known; anything else in {@code {{ }}} is refused rather than left in the file,
 * where a CNI plugin would fail on it at the next pod with no hint at the template.
 */
public final class CniConfTemplate {
    /** Replaced by the first pod CIDR, e.g. for host-local's {@code "subnet"}. */
    public static final String POD_CIDR = "{{.PodCIDR}}";
    /** Replaced by one host-local range set per CIDR, comma-separated: {@code [{"subnet": "10.244.1.0/24"}], ...}. */
    public static final String POD_CIDR_RANGES = "{{.PodCIDRRanges}}";
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*(\\.?[A-Za-z]*)\\s*}}");

    private CniConfTemplate() {
    }

    /**
     * The template text with its placeholders replaced, checked to be a valid network configuration list.
     *
     * @param cidrs  the pod CIDRs, valid and at least one
     * @param source names the template in errors
     * @throws BerthException FAILED_PRECONDITION naming {@code source} for an unknown placeholder or when the result
     *         is no valid conflist
     */
    public static String render(String template, List<String> cidrs, String source) {
        if (cidrs.isEmpty()) {
            throw new IllegalArgumentException("no pod CIDR to render " + source + " with");
        }
        String ranges = cidrs.stream().map(c -> "[{\"subnet\": \"" + c + "\"}]").collect(Collectors.joining(", "));
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = switch (m.group(1)) {
                case ".PodCIDR" -> cidrs.get(0);
                case ".PodCIDRRanges" -> ranges;
                default -> throw BerthException.failedPrecondition("%s: unknown placeholder %s; known: %s, %s",
                        source, m.group(), POD_CIDR, POD_CIDR_RANGES);
            };
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        String rendered = out.toString();
        try {
            CniConfList.parse(rendered, source + " (rendered)");
        } catch (BerthException e) {
            throw BerthException.failedPrecondition("%s", e.getMessage());
        }
        return rendered;
    }
}
