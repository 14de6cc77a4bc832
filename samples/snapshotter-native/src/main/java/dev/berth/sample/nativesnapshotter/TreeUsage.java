package dev.berth.sample.nativesnapshotter;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.process.ProcessRunner;
import dev.berth.core.snapshot.Usage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Measures a tree with {@code du}: allocated bytes and inodes, hard-linked files counted once, as
 * {@link Usage} asks. java.nio cannot see allocated blocks.
 */
final class TreeUsage {
    private static final Duration TIMEOUT = Duration.ofMinutes(10);

    private final ProcessRunner runner;

    TreeUsage(ProcessRunner runner) {
        this.runner = runner;
    }

    Usage measure(Path dir) {
        return new Usage(du(dir, "--block-size=1"), du(dir, "--inodes"));
    }

    /** The total {@code du -s <unit>} prints; a file vanishing meanwhile (a running container) is no error. */
    private long du(Path dir, String unit) {
        List<String> cmd = List.of("du", "-s", unit, dir.toString());
        ProcessRunner.Result r = runner.run(cmd, Map.of(), null, TIMEOUT);
        boolean onlyVanished = r.stderr().lines().allMatch(l -> l.endsWith("No such file or directory"));
        int tab = r.stdout().indexOf('\t');
        if ((r.ok() || onlyVanished) && tab > 0) {
            try {
                return Long.parseLong(r.stdout().substring(0, tab));
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        throw new BerthException(ErrorKind.INTERNAL, "usage of " + dir + ": " + String.join(" ", cmd) + " failed (exit "
                + r.exitCode() + "): " + r.message());
    }
}
