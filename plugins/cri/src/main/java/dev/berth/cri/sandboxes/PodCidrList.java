package dev.berth.cri.sandboxes;

import dev.berth.core.errdefs.BerthException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The node's pod CIDRs as the kubelet sends them in {@code UpdateRuntimeConfig}: one or more (dual stack) CIDRs
 * separated by commas, each an IPv4 or IPv6 address with a prefix length. They end up in CNI configuration, where a
 * bad one would only surface as an opaque plugin error at the next pod, so they are checked strictly here.
 */
public final class PodCidrList {
    static final String FIELD = "UpdateRuntimeConfigRequest: runtime_config.network_config.pod_cidr";
    /** Dotted quad, each part 0-255 without leading zeros (which some parsers read as octal). */
    private static final Pattern IPV4 = Pattern.compile(
            "((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])");
    /** Only what an IPv6 literal may contain, so that parsing it can never turn into a name lookup. */
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:][0-9A-Fa-f:.]*");
    private static final Pattern PREFIX = Pattern.compile("0|[1-9][0-9]{0,2}");

    private PodCidrList() {
    }

    /**
     * The CIDRs of {@code podCidr}, in order, blanks around commas dropped; empty for an empty value.
     *
     * @throws BerthException INVALID_ARGUMENT naming the field and the first bad value
     */
    public static List<String> parse(String podCidr) {
        List<String> cidrs = new ArrayList<>();
        if (podCidr.isBlank()) {
            return cidrs;
        }
        for (String part : podCidr.split(",", -1)) {
            String cidr = part.strip();
            if (!isCidr(cidr)) {
                throw BerthException.invalidArgument("%s: \"%s\" is not a CIDR (want an address/prefix such as "
                        + "10.244.1.0/24 or fd00:10:244:1::/64, several separated by commas)", FIELD, cidr);
            }
            cidrs.add(cidr);
        }
        return cidrs;
    }

    static boolean isCidr(String s) {
        int slash = s.indexOf('/');
        if (slash < 0 || slash != s.lastIndexOf('/')) {
            return false;
        }
        String addr = s.substring(0, slash);
        String prefix = s.substring(slash + 1);
        if (!PREFIX.matcher(prefix).matches()) {
            return false;
        }
        int bits = Integer.parseInt(prefix);
        if (IPV4.matcher(addr).matches()) {
            return bits <= 32;
        }
        return addr.contains(":") && IPV6_CHARS.matcher(addr).matches() && isIpv6Literal(addr) && bits <= 128;
    }

    private static boolean isIpv6Literal(String addr) {
        try {
            // A string of hex digits, colons and dots with a colon is parsed as a literal, never looked up.
            InetAddress.getByName(addr);
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
