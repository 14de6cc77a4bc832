package dev.berth.shim.runc;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.json.Json;
import java.util.Locale;
import java.util.Map;

/**
 * Parses the stop signals the CRI and images name ("SIGTERM", "TERM", "15", "SIGRTMIN+3") into Linux signal numbers,
 * so a typo is refused before anything is sent rather than reported by runc after the fact.
 */
public final class Signals {
    public static final int SIGKILL = 9;
    public static final int SIGTERM = 15;
    private static final int RTMIN = 34;
    private static final int RTMAX = 64;
    private static final Map<String, Integer> BY_NAME = Map.ofEntries(
            Map.entry("HUP", 1), Map.entry("INT", 2), Map.entry("QUIT", 3), Map.entry("ILL", 4),
            Map.entry("TRAP", 5), Map.entry("ABRT", 6), Map.entry("IOT", 6), Map.entry("BUS", 7),
            Map.entry("FPE", 8), Map.entry("KILL", 9), Map.entry("USR1", 10), Map.entry("SEGV", 11),
            Map.entry("USR2", 12), Map.entry("PIPE", 13), Map.entry("ALRM", 14), Map.entry("TERM", 15),
            Map.entry("STKFLT", 16), Map.entry("CHLD", 17), Map.entry("CONT", 18), Map.entry("STOP", 19),
            Map.entry("TSTP", 20), Map.entry("TTIN", 21), Map.entry("TTOU", 22), Map.entry("URG", 23),
            Map.entry("XCPU", 24), Map.entry("XFSZ", 25), Map.entry("VTALRM", 26), Map.entry("PROF", 27),
            Map.entry("WINCH", 28), Map.entry("IO", 29), Map.entry("POLL", 29), Map.entry("PWR", 30),
            Map.entry("SYS", 31), Map.entry("RTMIN", RTMIN), Map.entry("RTMAX", RTMAX));

    private Signals() {
    }

    /**
     * The number of {@code signal}; "" (or null) is SIGTERM.
     *
     * @throws BerthException INVALID_ARGUMENT for anything that is not a Linux signal
     */
    public static int parse(String signal) {
        if (signal == null || signal.isBlank()) {
            return SIGTERM;
        }
        String s = signal.strip().toUpperCase(Locale.ROOT);
        if (s.chars().allMatch(Character::isDigit)) {
            return checkRange(signal, s.length() > 3 ? -1 : Integer.parseInt(s));
        }
        if (s.startsWith("SIG")) {
            s = s.substring(3);
        }
        Integer n = BY_NAME.get(s);
        if (n != null) {
            return n;
        }
        int plus = s.indexOf('+');
        int minus = s.indexOf('-');
        try {
            if (s.startsWith("RTMIN+") && plus == 5) {
                return checkRange(signal, RTMIN + Integer.parseInt(s.substring(6)));
            }
            if (s.startsWith("RTMAX-") && minus == 5) {
                return checkRange(signal, RTMAX - Integer.parseInt(s.substring(6)));
            }
        } catch (NumberFormatException e) {
            // fall through to the error below
        }
        throw BerthException.invalidArgument("unknown signal %s", Json.quote(signal));
    }

    private static int checkRange(String original, int n) {
        if (n < 1 || n > RTMAX) {
            throw BerthException.invalidArgument("unknown signal %s: Linux signals are 1 to %d",
                    Json.quote(original), RTMAX);
        }
        return n;
    }
}
