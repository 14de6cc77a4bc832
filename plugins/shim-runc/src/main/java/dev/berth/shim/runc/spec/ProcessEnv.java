package dev.berth.shim.runc.spec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the process environment: the image's variables, overridden by the container's by name, plus the PATH and
 * HOSTNAME a shell-less image would otherwise lack.
 */
final class ProcessEnv {
    static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    List<String> merge(List<String> imageEnv, List<String> containerEnv, String hostname) {
        // keyed by name so an override keeps the image's position and a repeated name keeps its last value
        Map<String, String> byName = new LinkedHashMap<>();
        for (String entry : imageEnv) {
            byName.put(name(entry), entry);
        }
        for (String entry : containerEnv) {
            byName.put(name(entry), entry);
        }
        byName.putIfAbsent("PATH", "PATH=" + DEFAULT_PATH);
        if (!hostname.isEmpty()) {
            byName.putIfAbsent("HOSTNAME", "HOSTNAME=" + hostname);
        }
        return new ArrayList<>(byName.values());
    }

    private static String name(String entry) {
        int eq = entry.indexOf('=');
        return eq < 0 ? entry : entry.substring(0, eq);
    }
}
