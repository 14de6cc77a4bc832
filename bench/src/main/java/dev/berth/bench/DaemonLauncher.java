package dev.berth.bench;

import java.io.IOException;
import java.nio.file.Path;

/** Starts fresh instances of one CRI daemon, each with a new temp root and state (so each starts cold). */
interface DaemonLauncher {
    /** Short name for the table and the JSON: {@code berth} or the peer's name. */
    String name();

    /** The daemon's version, for the report. */
    String version() throws IOException, InterruptedException;

    /**
     * A new daemon process.
     *
     * @param plainHttpRegistry {@code host:port} of a registry the daemon must pull from over plain HTTP, or null
     */
    DaemonUnderTest launch(String plainHttpRegistry) throws IOException;

    /**
     * A new daemon process set up to run pods: like {@link #launch(String)}, plus whatever the daemon needs for
     * RunPodSandbox without internet (containerd: its pause image replaced by {@code sandboxImage}).
     *
     * @param sandboxImage an image already in {@code plainHttpRegistry} whose default command runs until killed
     */
    default DaemonUnderTest launchForPods(String plainHttpRegistry, String sandboxImage) throws IOException {
        return launchForPods(plainHttpRegistry, sandboxImage, null);
    }

    /**
     * Like {@link #launchForPods(String, String)}, with pods networked by the CNI configuration in {@code cni} (the
     * same directory and plugin binaries for every daemon), or with the daemon's own empty CNI directory when null.
     */
    DaemonUnderTest launchForPods(String plainHttpRegistry, String sandboxImage, Cni cni) throws IOException;

    /** Where the daemon finds its CNI network configuration and the CNI plugin executables. */
    record Cni(Path confDir, Path binDir) {
    }
}
