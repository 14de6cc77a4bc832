package dev.berth.cri.streaming;

import java.util.List;

/** How an exec or attach ended, as reported to the client on the error stream. */
sealed interface CommandOutcome {
    /** The command exited 0, or the attach ended. */
    record Success() implements CommandOutcome {
    }

    /** The exec'd command exited with a code other than 0. */
    record NonZeroExit(List<String> command, int code) implements CommandOutcome {
        public NonZeroExit {
            command = List.copyOf(command);
        }
    }

    /** The session could not be opened or failed. */
    record Failure(String message) implements CommandOutcome {
    }
}
