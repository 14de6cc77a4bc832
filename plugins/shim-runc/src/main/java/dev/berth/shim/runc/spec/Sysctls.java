package dev.berth.shim.runc.spec;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.runtime.PodContext;
import java.util.Map;
import java.util.TreeMap;

/**
 * Checks a pod's sysctls before runc writes them: only namespaced keys are safe per pod, and a namespaced key is
 * not ours to change when the pod shares the host's namespace (it would change the node).
 */
final class Sysctls {
    Map<String, String> forPod(PodContext pod) {
        Map<String, String> sysctls = new TreeMap<>();
        pod.sysctls().forEach((key, value) -> {
            String name = key.replace('/', '.');
            if (name.startsWith("net.")) {
                if (pod.hostNetwork()) {
                    throw BerthException.invalidArgument(
                            "sysctl %s cannot be set in a pod using the host's network namespace", key);
                }
            } else if (isIpc(name)) {
                if (pod.hostIpc()) {
                    throw BerthException.invalidArgument(
                            "sysctl %s cannot be set in a pod using the host's IPC namespace", key);
                }
            } else {
                throw BerthException.invalidArgument("sysctl %s is not namespaced: only kernel.shm*, kernel.msg*, "
                        + "kernel.sem, fs.mqueue.* and net.* may be set for a pod", key);
            }
            sysctls.put(key, value);
        });
        return sysctls;
    }

    private static boolean isIpc(String name) {
        return name.startsWith("kernel.shm") || name.startsWith("kernel.msg") || name.equals("kernel.sem")
                || name.startsWith("fs.mqueue.");
    }
}
