package dev.berth.sandbox;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.mount.Mount;
import dev.berth.core.sandbox.UserNamespace;
import dev.berth.core.sys.SysCalls;
import dev.berth.core.sys.UserNamespaces;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Namespaces held by bind mounts of their nsfs files instead of by a process. A fresh thread unshares the new
 * namespaces (net, UTS and IPC may be unshared by one thread of a multi-threaded process), sets the host name in the
 * UTS one, bind-mounts each {@code /proc/thread-self/ns/<kind>} onto its pre-created file, and dies: the namespaces
 * live on until the files are unmounted, and no pooled thread ever sits in a pod's namespace.
 * <p>
 * A pod with a user namespace of its own gets its net, UTS and IPC namespaces made inside that one, so that they belong
 * to it and its containers may mount sysfs and mqueue there; a JVM cannot unshare a user namespace, so
 * {@link UserNamespaces} has a short helper process make them all, and a fresh thread then joins the new UTS namespace
 * only to set the host name.
 */
final class PinnedNamespaces {
    private final Mounts mounts;

    PinnedNamespaces(Mounts mounts) {
        this.mounts = mounts;
    }

    /**
     * Creates a user namespace with {@code ids}'s mappings pinned on {@code userns}, and the pod's net, UTS and IPC
     * namespaces inside it; on failure nothing stays pinned.
     */
    void createInUserNamespace(UserNamespace ids, Path userns, Path netns, Path utsns, Path ipcns, String hostname) {
        UserNamespaces.create(ids, userns, Map.of("net", netns, "uts", utsns, "ipc", ipcns));
        try {
            onFreshThread(() -> {
                SysCalls sys = SysCalls.get();
                sys.setns(utsns, SysCalls.CLONE_NEWUTS);
                sys.sethostname(hostname);
            });
        } catch (RuntimeException e) {
            for (Path p : List.of(netns, utsns, ipcns, userns)) {
                try {
                    remove(p);
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    /** Creates the requested namespaces (a null path skips that kind); on failure nothing stays pinned. */
    void create(Path netns, Path utsns, Path ipcns, String hostname) {
        List<Pin> pins = new ArrayList<>();
        if (netns != null) {
            pins.add(new Pin(netns, "net", SysCalls.CLONE_NEWNET));
        }
        if (utsns != null) {
            pins.add(new Pin(utsns, "uts", SysCalls.CLONE_NEWUTS));
        }
        if (ipcns != null) {
            pins.add(new Pin(ipcns, "ipc", SysCalls.CLONE_NEWIPC));
        }
        if (pins.isEmpty()) {
            return;
        }
        try {
            for (Pin p : pins) {
                Files.createDirectories(p.file().getParent());
                if (!Files.exists(p.file())) {
                    Files.createFile(p.file()); // a bind mount needs an existing file to cover
                }
            }
            onFreshThread(() -> {
                SysCalls sys = SysCalls.get();
                sys.unshare(pins.stream().mapToInt(Pin::flag).reduce(0, (a, b) -> a | b));
                if (utsns != null) {
                    sys.sethostname(hostname);
                }
                for (Pin p : pins) {
                    dev.berth.core.mount.Mounts.mount(new Mount("bind", "/proc/thread-self/ns/" + p.kind(),
                            List.of("bind")), p.file());
                }
            });
        } catch (IOException | RuntimeException e) {
            for (Pin p : pins) {
                try {
                    remove(p.file());
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            if (e instanceof IOException io) {
                throw new UncheckedIOException(io);
            }
            throw e instanceof BerthException b ? b : new BerthException(ErrorKind.INTERNAL,
                    "cannot create pod namespaces: " + e.getMessage(), e);
        }
    }

    /** Unpins a namespace: unmount and delete its file; absent is fine. */
    void remove(Path file) {
        if (file != null) {
            mounts.unmountAndDelete(file);
        }
    }

    /** Whether {@code file} still holds a namespace (after a reboot the file is gone or no longer a mount). */
    boolean isPinned(Path file) {
        return file != null && Files.exists(file) && mounts.isMountPoint(file);
    }

    private static void onFreshThread(Runnable work) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                work.run();
                done.complete(null);
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        }, "berth-pin-namespaces");
        t.setDaemon(true);
        t.start();
        try {
            // not interruptible: the thread's mounts must be known before the caller cleans up
            t.join();
            done.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BerthException(ErrorKind.CANCELLED, "interrupted while creating pod namespaces", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new BerthException(ErrorKind.INTERNAL,
                    "cannot create pod namespaces: " + e.getCause(), e.getCause());
        }
    }

    private record Pin(Path file, String kind, int flag) {
    }
}
