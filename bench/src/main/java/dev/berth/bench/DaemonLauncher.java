package dev.berth.bench;

import java.io.IOException;

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
}
