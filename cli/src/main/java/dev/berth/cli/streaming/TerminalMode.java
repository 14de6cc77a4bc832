package dev.berth.cli.streaming;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * The user's terminal during a {@code -t} session, driven through stty(1) on /dev/tty since the JDK cannot set
 * terminal modes: raw mode (keys such as Ctrl-C go to the remote terminal rather than to berthctl), its size, and
 * SIGWINCH when that changes. {@link #close()} puts everything back; a shutdown hook does too if berthctl is killed.
 */
public final class TerminalMode implements AutoCloseable {
    private static final File TTY = new File("/dev/tty");
    private static final long STTY_SECONDS = 5;

    /** A terminal size in characters; {@link #json()} is what the resize channel carries. */
    public record Size(int width, int height) {
        public String json() {
            return "{\"Width\":" + width + ",\"Height\":" + height + "}";
        }

        /** Reads stty's "ROWS COLS"; empty when it is not that or the terminal reports no size (0 0). */
        static Optional<Size> ofStty(String sizeOutput) {
            String[] parts = sizeOutput.trim().split("\\s+");
            if (parts.length != 2) {
                return Optional.empty();
            }
            try {
                int rows = Integer.parseInt(parts[0]);
                int cols = Integer.parseInt(parts[1]);
                return rows > 0 && cols > 0 ? Optional.of(new Size(cols, rows)) : Optional.empty();
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
    }

    private final AtomicBoolean restored = new AtomicBoolean(true);
    private String saved;
    private Thread restoreHook;
    private Signal winch;
    private SignalHandler previousWinch;

    /** Whether berthctl's standard input is a terminal (not a pipe or a file). */
    public static boolean stdinIsTerminal() {
        try {
            Process p = new ProcessBuilder("test", "-t", "0").redirectInput(ProcessBuilder.Redirect.INHERIT)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(STTY_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The terminal's size now, if it has one. */
    public Optional<Size> size() {
        try {
            return Size.ofStty(stty("size"));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Saves the terminal's settings and switches it to raw mode without echo. */
    public void enterRaw() throws IOException {
        String state = stty("-g").trim();
        restoreHook = new Thread(this::restore, "berthctl-terminal-restore");
        Runtime.getRuntime().addShutdownHook(restoreHook);
        saved = state;
        restored.set(false);
        stty("raw", "-echo");
    }

    /** Runs {@code onChange} (on a signal thread) whenever the terminal's size changes; no-op where SIGWINCH is unknown. */
    public void watchResize(Runnable onChange) {
        try {
            Signal s = new Signal("WINCH");
            previousWinch = Signal.handle(s, sig -> onChange.run());
            winch = s;
        } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
            // no SIGWINCH here: the size stays what it was at the start
        }
    }

    @Override
    public void close() {
        if (winch != null) {
            try {
                Signal.handle(winch, previousWinch);
            } catch (IllegalArgumentException e) {
                // already gone
            }
            winch = null;
        }
        restore();
        if (restoreHook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(restoreHook);
            } catch (IllegalStateException e) {
                // shutting down: the hook runs (restoring twice is harmless)
            }
            restoreHook = null;
        }
    }

    private void restore() {
        if (restored.compareAndSet(false, true)) {
            try {
                stty(saved);
            } catch (IOException e) {
                System.err.println("berthctl: could not restore the terminal (try `stty sane`): " + e.getMessage());
            }
        }
    }

    /** Runs stty on /dev/tty; returns what it printed. */
    private static String stty(String... args) throws IOException {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "stty";
        System.arraycopy(args, 0, cmd, 1, args.length);
        Process p = new ProcessBuilder(cmd).redirectInput(TTY).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        // Read beside the wait: stty in a background job stops on SIGTTOU and would never finish its output.
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> {
            try {
                return p.getInputStream().readNBytes(4096);
            } catch (IOException e) {
                return new byte[0];
            }
        });
        try {
            if (!p.waitFor(STTY_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("stty " + String.join(" ", args) + " did not finish");
            }
            if (p.exitValue() != 0) {
                throw new IOException("stty " + String.join(" ", args) + " failed (exit " + p.exitValue() + ")");
            }
            return new String(out.get(STTY_SECONDS, TimeUnit.SECONDS), StandardCharsets.US_ASCII);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running stty", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("reading stty's output failed", e);
        }
    }
}
