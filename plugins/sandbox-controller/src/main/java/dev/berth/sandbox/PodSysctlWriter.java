package dev.berth.sandbox;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.process.ProcessRunner;
import dev.berth.core.sandbox.PodSysctls;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes a pod's sysctls into its own namespaces. /proc/sys/net and the IPC entries show the namespace of the task
 * that writes them, so a helper enters the namespace (nsenter) and writes there; the daemon never enters one.
 */
final class PodSysctlWriter {
    /** Writes pairs of (path under /proc/sys, value) given as arguments; stops at the first failure. */
    private static final String SCRIPT = "while [ $# -gt 0 ]; do printf '%s' \"$2\" > \"/proc/sys/$1\" || exit 1; shift 2; done";
    private final ProcessRunner runner;

    PodSysctlWriter(ProcessRunner runner) {
        this.runner = runner;
    }

    /**
     * @param sysctls already {@link PodSysctls#checked}: dotted names
     * @param netns   the pod's network namespace, or null with host network (then no net.* key is present)
     * @param ipcns   the pod's IPC namespace, or null with host IPC (then no IPC key is present)
     * @throws BerthException INVALID_ARGUMENT naming the keys when the kernel refuses a value
     */
    void apply(Map<String, String> sysctls, Path netns, Path ipcns) {
        write(sysctls, PodSysctls::isNet, "--net=", netns);
        write(sysctls, PodSysctls::isIpc, "--ipc=", ipcns);
    }

    private void write(Map<String, String> sysctls, java.util.function.Predicate<String> kind, String flag, Path ns) {
        List<String> cmd = new ArrayList<>(List.of("nsenter", flag + ns, "--", "/bin/sh", "-c", SCRIPT, "sh"));
        List<String> keys = new ArrayList<>();
        sysctls.forEach((name, value) -> {
            if (kind.test(name)) {
                cmd.add(name.replace('.', '/'));
                cmd.add(value);
                keys.add(name + "=" + value);
            }
        });
        if (keys.isEmpty()) {
            return;
        }
        ProcessRunner.Result r = runner.run(cmd, Map.of(), null, Duration.ofSeconds(10));
        if (!r.ok()) {
            throw BerthException.invalidArgument("sysctls %s: the kernel refused: %s", String.join(", ", keys), r.message());
        }
    }
}
