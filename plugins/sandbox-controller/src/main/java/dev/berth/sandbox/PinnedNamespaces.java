package dev.berth.sandbox;

import dev.berth.core.process.ProcessRunner;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Namespaces held by bind mounts of their nsfs files instead of by a process: {@code unshare --net=<file>}
 * creates the namespace in a short-lived helper and util-linux bind-mounts it onto the (pre-created) file, so it
 * lives on until the file is unmounted. No JVM thread ever enters a namespace.
 */
public final class PinnedNamespaces {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private final ProcessRunner runner;
    private final Mounts mounts;

    public PinnedNamespaces(ProcessRunner runner, Mounts mounts) {
        this.runner = runner;
        this.mounts = mounts;
    }

    /**
     * Creates the requested namespaces in one helper run; a null path skips that kind. With a UTS namespace the
     * helper is {@code hostname <name>}, so the name is set inside it. On failure nothing stays pinned.
     */
    public void create(Path netns, Path utsns, Path ipcns, String hostname) {
        List<String> cmd = new ArrayList<>(List.of("unshare"));
        List<Path> files = new ArrayList<>();
        add(cmd, files, "--net=", netns);
        add(cmd, files, "--uts=", utsns);
        add(cmd, files, "--ipc=", ipcns);
        if (files.isEmpty()) {
            return;
        }
        if (utsns != null) {
            cmd.addAll(List.of("hostname", hostname));
        } else {
            cmd.add("true");
        }
        try {
            for (Path f : files) {
                Files.createDirectories(f.getParent());
                // unshare bind-mounts onto an existing file only.
                if (!Files.exists(f)) {
                    Files.createFile(f);
                }
            }
            ProcessRunner.Result r = runner.run(cmd, java.util.Map.of(), null, TIMEOUT);
            if (!r.ok()) {
                throw new BerthException(ErrorKind.INTERNAL,
                        "cannot create pod namespaces (" + String.join(" ", cmd) + "): " + r.message());
            }
        } catch (IOException | RuntimeException e) {
            for (Path f : files) {
                try {
                    remove(f);
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            if (e instanceof IOException io) {
                throw new UncheckedIOException(io);
            }
            throw (RuntimeException) e;
        }
    }

    /** Unpins a namespace: unmount and delete its file; absent is fine. */
    public void remove(Path file) {
        if (file != null) {
            mounts.unmountAndDelete(file);
        }
    }

    /** Whether {@code file} still holds a namespace (after a reboot the file is gone or no longer a mount). */
    public boolean isPinned(Path file) {
        return file != null && Files.exists(file) && mounts.isMountPoint(file);
    }

    private static void add(List<String> cmd, List<Path> files, String flag, Path file) {
        if (file != null) {
            cmd.add(flag + file);
            files.add(file);
        }
    }
}
