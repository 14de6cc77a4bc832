package dev.berth.core.runtime;

import java.util.List;

/**
 * The process defaults from an image's config ({@code config.Entrypoint}, {@code Cmd}, ...), merged by the shim with
 * what the container asks for: the container's command replaces the entrypoint (and drops Cmd), its args replace Cmd,
 * its env overrides the image's by name, its working dir and user win when set.
 *
 * @param env        "NAME=value" entries
 * @param user       "uid", "name", "uid:gid", "name:group", or "" (root)
 * @param stopSignal e.g. "SIGQUIT", or "" (SIGTERM)
 */
public record ImageProcess(List<String> entrypoint, List<String> cmd, List<String> env, String user,
                           String workingDir, String stopSignal) {
    public ImageProcess {
        entrypoint = entrypoint == null ? List.of() : List.copyOf(entrypoint);
        cmd = cmd == null ? List.of() : List.copyOf(cmd);
        env = env == null ? List.of() : List.copyOf(env);
        user = user == null ? "" : user;
        workingDir = workingDir == null ? "" : workingDir;
        stopSignal = stopSignal == null ? "" : stopSignal;
    }

    public static ImageProcess none() {
        return new ImageProcess(null, null, null, null, null, null);
    }
}
