package dev.berth.core.runtime;

import dev.berth.core.mount.Mount;
import java.util.List;
import java.util.Map;

/**
 * Everything a shim needs to create a container: the CRI's {@code ContainerConfig} without proto types, plus the
 * pod it joins, the image's process defaults and the mounts of its root filesystem.
 *
 * @param id        the container id the caller chose (unique; safe as a file name)
 * @param name      the container's name in its pod, for messages
 * @param rootfs    the snapshot mounts that make the root filesystem (mounted by the shim)
 * @param command   replaces the image's entrypoint when not empty
 * @param args      replaces the image's cmd when not empty
 * @param env       "NAME=value" entries, overriding the image's
 * @param logPath   absolute path of the CRI log file, or "" for no log
 * @param runtimePath the runtime binary the pod's runtime handler names (a name on PATH or an absolute path, e.g.
 *                  "crun"), or "" for the shim's own default
 */
public record ContainerSpec(String id, String name, PodContext pod, List<Mount> rootfs, ImageProcess image,
                            List<String> command, List<String> args, List<String> env, String workingDir,
                            boolean tty, boolean stdin, boolean stdinOnce, String logPath,
                            List<ContainerMount> mounts, List<DeviceMapping> devices, Resources resources,
                            SecurityOptions security, Map<String, String> labels, Map<String, String> annotations,
                            String runtimePath) {
    public ContainerSpec {
        rootfs = List.copyOf(rootfs);
        image = image == null ? ImageProcess.none() : image;
        command = command == null ? List.of() : List.copyOf(command);
        args = args == null ? List.of() : List.copyOf(args);
        env = env == null ? List.of() : List.copyOf(env);
        workingDir = workingDir == null ? "" : workingDir;
        logPath = logPath == null ? "" : logPath;
        mounts = mounts == null ? List.of() : List.copyOf(mounts);
        devices = devices == null ? List.of() : List.copyOf(devices);
        resources = resources == null ? Resources.none() : resources;
        security = security == null ? SecurityOptions.defaults() : security;
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
        runtimePath = runtimePath == null ? "" : runtimePath;
    }

    /** This spec with {@code mounts} instead of its own. */
    public ContainerSpec withMounts(List<ContainerMount> mounts) {
        return new ContainerSpec(id, name, pod, rootfs, image, command, args, env, workingDir, tty, stdin, stdinOnce,
                logPath, mounts, devices, resources, security, labels, annotations, runtimePath);
    }
}
