package dev.berth.core.runtime;

import java.util.List;

/**
 * What an interactive session with a container's process asks for: which of its stdio streams to connect, and
 * whether the process has a terminal. With {@code tty}, stderr is merged into stdout and {@code stderr} is false.
 *
 * @param command the command to run (exec), or empty (attach to the container's own process)
 * @param width   with {@code tty}: the terminal's width in characters when the session starts, 0 when not known;
 *                an exec'd command then sees this size from its first instruction on
 * @param height  likewise, the terminal's height
 */
public record StreamRequest(List<String> command, boolean stdin, boolean stdout, boolean stderr, boolean tty,
                            int width, int height) {
    public StreamRequest {
        command = List.copyOf(command);
        if (tty && stderr) {
            throw new IllegalArgumentException("a terminal merges stderr into stdout: stderr must be false with tty");
        }
        if (width < 0 || height < 0) {
            throw new IllegalArgumentException("a terminal size cannot be negative: " + width + "x" + height);
        }
    }

    /** A request whose terminal size is not known yet. */
    public StreamRequest(List<String> command, boolean stdin, boolean stdout, boolean stderr, boolean tty) {
        this(command, stdin, stdout, stderr, tty, 0, 0);
    }

    /** This request with the terminal's starting size. */
    public StreamRequest withTerminalSize(int width, int height) {
        return new StreamRequest(command, stdin, stdout, stderr, tty, width, height);
    }

    /** Whether a starting terminal size is known. */
    public boolean hasTerminalSize() {
        return tty && width > 0 && height > 0;
    }
}
