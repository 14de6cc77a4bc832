package dev.berth.core.migrate;

import java.math.BigDecimal;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** containerd's Go durations ("4h0m0s", "1m30s", "500ms") as the single-unit durations Berth's config reads ("4h"). */
final class GoDurations {
    private static final Pattern PART = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ns|us|µs|ms|s|m|h)");

    private GoDurations() {
    }

    /** The duration, or empty when {@code go} is not one. */
    static Optional<String> toBerth(String go) {
        Matcher m = PART.matcher(go);
        BigDecimal nanos = BigDecimal.ZERO;
        int end = 0;
        while (m.find() && m.start() == end) {
            nanos = nanos.add(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unitNanos(m.group(2)))));
            end = m.end();
        }
        if (go.isEmpty() || end != go.length()) {
            return go.equals("0") ? Optional.of("0s") : Optional.empty();
        }
        long n = nanos.longValue();
        long[] units = {3_600_000_000_000L, 60_000_000_000L, 1_000_000_000L, 1_000_000L, 1_000L};
        String[] names = {"h", "m", "s", "ms", "us"};
        for (int i = 0; i < units.length; i++) {
            if (n % units[i] == 0) {
                return Optional.of(n / units[i] + names[i]);
            }
        }
        return Optional.of(n + "ns");
    }

    private static long unitNanos(String unit) {
        return switch (unit) {
            case "h" -> 3_600_000_000_000L;
            case "m" -> 60_000_000_000L;
            case "s" -> 1_000_000_000L;
            case "ms" -> 1_000_000L;
            case "us", "µs" -> 1_000L;
            default -> 1L;
        };
    }
}
