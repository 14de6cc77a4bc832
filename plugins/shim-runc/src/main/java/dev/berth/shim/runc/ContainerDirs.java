package dev.berth.shim.runc;

import java.nio.file.Path;

/**
 * Where one container's runtime files live: {@code <state>/<id>/} is the OCI bundle (config.json, rootfs/, conmon's
 * ctl and winsz FIFOs, its attach socket) and holds conmon's exit and persist dirs. Attach symlinks go to a shared
 * {@code <state>/attach} because a unix socket path must stay under 108 bytes, and ids are 64 characters.
 */
public record ContainerDirs(Path stateRoot, String id) {
    public Path bundle() {
        return stateRoot.resolve(id);
    }

    public Path rootfs() {
        return bundle().resolve("rootfs");
    }

    /** Where the root file system of a container in its pod's user namespace is mounted (see {@link StateDirAccess}). */
    public Path usernsRootfs() {
        return stateRoot.resolve(RuncShim.USERNS_ROOTFS_DIR).resolve(id);
    }

    public Path configJson() {
        return bundle().resolve("config.json");
    }

    public Path pidFile() {
        return bundle().resolve("pidfile");
    }

    public Path conmonPidFile() {
        return bundle().resolve("conmon.pid");
    }

    /** conmon's own stderr, kept for error messages. */
    public Path conmonLog() {
        return bundle().resolve("conmon.log");
    }

    /** runc's --log for the create step (conmon runs it), read when create fails. */
    public Path runtimeLog() {
        return bundle().resolve("runtime.log");
    }

    public Path exitDir() {
        return bundle().resolve("exit");
    }

    /** Written by conmon when the container exits; its content is the exit code. */
    public Path exitFile() {
        return exitDir().resolve(id);
    }

    public Path persistDir() {
        return bundle().resolve("persist");
    }

    /** conmon creates it when the kernel OOM-killed a process of the container. */
    public Path oomFile() {
        return persistDir().resolve("oom");
    }

    /** conmon's control FIFO: "2 0 0\n" reopens the log file. */
    public Path controlFifo() {
        return bundle().resolve("ctl");
    }

    public Path attachDir() {
        return stateRoot.resolve(RuncShim.ATTACH_DIR);
    }

    public Path runcRoot() {
        return stateRoot.resolve(RuncShim.RUNC_DIR);
    }
}
