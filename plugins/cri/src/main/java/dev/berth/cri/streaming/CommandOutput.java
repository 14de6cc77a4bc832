package dev.berth.cri.streaming;

/** Where an exec or attach reports to its client; one implementation per wire protocol. Worker threads call it. */
interface CommandOutput {
    /** The client's stdout, or null when not asked for. */
    OutboundStream stdout();

    /** The client's stderr, or null when not asked for (always with a terminal). */
    OutboundStream stderr();

    /** All output is sent: report {@code outcome} on the error stream, then end the connection. Called once. */
    void complete(CommandOutcome outcome) throws InterruptedException;
}
