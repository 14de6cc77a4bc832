package dev.berth.cli;

import dev.berth.api.cri.v1.ContainerState;
import dev.berth.api.cri.v1.PodSandboxState;
import java.time.Duration;
import java.util.Locale;

/** How the pod and container tables show ids, ages and states (as crictl shows them). */
final class Display {
    private Display() {
    }

    /** The first 13 characters of an id, as crictl truncates them. */
    static String shortId(String id, boolean noTrunc) {
        return noTrunc ? id : ImageCommands.shortId(id);
    }

    /** "5 seconds ago", "About a minute ago", "3 hours ago" for a CRI timestamp in Unix nanoseconds. */
    static String ago(long unixNanos, long nowMillis) {
        if (unixNanos <= 0) {
            return "";
        }
        return human(Duration.ofMillis(Math.max(0, nowMillis - unixNanos / 1_000_000))) + " ago";
    }

    static String human(Duration d) {
        long s = d.toSeconds();
        long minutes = d.toMinutes();
        long hours = d.toHours();
        if (s < 1) {
            return "Less than a second";
        } else if (s == 1) {
            return "1 second";
        } else if (s < 60) {
            return s + " seconds";
        } else if (minutes == 1) {
            return "About a minute";
        } else if (minutes < 60) {
            return minutes + " minutes";
        } else if (hours == 1) {
            return "About an hour";
        } else if (hours < 48) {
            return hours + " hours";
        } else if (hours < 24 * 14) {
            return hours / 24 + " days";
        } else if (hours < 24 * 90) {
            return hours / 24 / 7 + " weeks";
        } else if (hours < 24 * 365 * 2) {
            return hours / 24 / 30 + " months";
        }
        return hours / 24 / 365 + " years";
    }

    static String state(PodSandboxState s) {
        return s == PodSandboxState.SANDBOX_READY ? "Ready" : s == PodSandboxState.SANDBOX_NOTREADY ? "NotReady" : s.name();
    }

    static String state(ContainerState s) {
        return switch (s) {
            case CONTAINER_CREATED -> "Created";
            case CONTAINER_RUNNING -> "Running";
            case CONTAINER_EXITED -> "Exited";
            case CONTAINER_UNKNOWN -> "Unknown";
            default -> s.name();
        };
    }

    /** CPU use in percent of one core over an interval, two decimals. */
    static String percent(double value) {
        return String.format(Locale.ROOT, "%.2f", value);
    }
}
