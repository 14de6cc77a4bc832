package dev.berth.sample.nativesnapshotter;

import dev.berth.core.process.ProcessRunner;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Copies a snapshot's tree with {@code cp -a}: modes, owners, times, hard and symbolic links and device nodes, and
 * extended attributes (security.capability, trusted.*) wherever the file system takes them. A helper process rather
 * than java.nio, which can neither make device nodes nor copy xattrs outside {@code user.*}.
 */
final class TreeCopier {
    /** A copy of a multi-gigabyte image can take minutes on slow disks; it must still end. */
    private static final Duration TIMEOUT = Duration.ofHours(1);

    private final ProcessRunner runner;
    private final String reflink;

    /** @param reflink cp's {@code --reflink} mode: auto, always or never */
    TreeCopier(ProcessRunner runner, String reflink) {
        this.runner = runner;
        this.reflink = reflink;
    }

    /**
     * Makes {@code to}, which must not exist, a copy of directory {@code from}.
     *
     * @throws dev.berth.core.errdefs.BerthException INTERNAL with cp's message when the copy fails
     */
    void copy(Path from, Path to) {
        runner.check(List.of("cp", "-a", "--no-target-directory", "--reflink=" + reflink, from.toString(), to.toString()),
                TIMEOUT);
    }
}
