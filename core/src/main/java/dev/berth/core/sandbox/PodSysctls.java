package dev.berth.core.sandbox;

import dev.berth.core.errdefs.BerthException;
import java.util.Map;
import java.util.TreeMap;

/**
 * The sysctls a pod may set: only namespaced ones (net.*, and the IPC ones kernel.shm*, kernel.msg*, kernel.sem,
 * fs.mqueue.*), and none in a namespace the pod shares with the host, where it would change the node.
 */
public final class PodSysctls {
    private PodSysctls() {
    }

    /**
     * The sysctls by their dotted name ({@code net/ipv4/ip_forward} becomes {@code net.ipv4.ip_forward}), sorted.
     *
     * @throws BerthException INVALID_ARGUMENT naming the first key that is not namespaced or not the pod's to set
     */
    public static Map<String, String> checked(Map<String, String> sysctls, boolean hostNetwork, boolean hostIpc) {
        Map<String, String> out = new TreeMap<>();
        sysctls.forEach((key, value) -> {
            String name = key.replace('/', '.');
            if (isNet(name)) {
                if (hostNetwork) {
                    throw BerthException.invalidArgument(
                            "sysctl %s cannot be set in a pod using the host's network namespace", key);
                }
            } else if (isIpc(name)) {
                if (hostIpc) {
                    throw BerthException.invalidArgument(
                            "sysctl %s cannot be set in a pod using the host's IPC namespace", key);
                }
            } else {
                throw BerthException.invalidArgument("sysctl %s is not namespaced: only kernel.shm*, kernel.msg*, "
                        + "kernel.sem, fs.mqueue.* and net.* may be set for a pod", key);
            }
            if (!name.matches("[A-Za-z0-9_.-]+") || name.contains("..")) {
                throw BerthException.invalidArgument("sysctl %s is not a valid sysctl name", key);
            }
            out.put(name, value);
        });
        return out;
    }

    public static boolean isNet(String name) {
        return name.startsWith("net.");
    }

    public static boolean isIpc(String name) {
        return name.startsWith("kernel.shm") || name.startsWith("kernel.msg") || name.equals("kernel.sem")
                || name.startsWith("fs.mqueue.");
    }
}
