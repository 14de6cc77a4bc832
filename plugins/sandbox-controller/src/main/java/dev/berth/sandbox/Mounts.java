package dev.berth.sandbox;

import dev.berth.core.mount.Mount;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** The sandbox's mount needs, on top of core's {@link dev.berth.core.mount.Mounts}: the pod's /dev/shm, pinned ns files. */
public final class Mounts {
    /** Mount points of this mount namespace. */
    public Set<Path> mountPoints() {
        return Set.copyOf(dev.berth.core.mount.Mounts.mountPoints());
    }

    public boolean isMountPoint(Path p) {
        return dev.berth.core.mount.Mounts.isMountPoint(p);
    }

    /** Mounts a tmpfs of {@code sizeBytes} at {@code dir} with /dev/shm's usual flags. */
    public void mountShm(Path dir, long sizeBytes) {
        dev.berth.core.mount.Mounts.mount(new Mount("tmpfs", "shm",
                List.of("nosuid", "nodev", "noexec", "mode=1777", "size=" + sizeBytes)), dir);
    }

    /** Unmounts every mount stacked on {@code p}; nothing to do when it is not a mount point. */
    public void unmountAll(Path p) {
        dev.berth.core.mount.Mounts.unmountAll(p);
    }

    /** Unmounts {@code p} if mounted, then deletes it; absent is fine. */
    public void unmountAndDelete(Path p) {
        unmountAll(p);
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + p, e);
        }
    }
}
