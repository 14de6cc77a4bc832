package dev.berth.shim.runc;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.fs.FileTrees;
import dev.berth.core.mount.IdmappedMount;
import dev.berth.core.mount.Mount;
import dev.berth.core.mount.Mounts;
import dev.berth.core.runtime.ContainerMount;
import dev.berth.core.runtime.ContainerSpec;
import dev.berth.core.runtime.PodContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The files of a container that runs in its pod's own user namespace, seen through that namespace's mappings, so its
 * root reads and writes the image and its volumes as their owner while it is an unprivileged uid on the host. runc
 * 1.1 cannot make idmapped mounts itself, so the shim makes them before it writes config.json:
 * <ul>
 * <li>an overlay rootfs gets idmapped copies of its lower layers (overlayfs itself cannot be idmapped; its layers
 * can), and an upper dir owned by the pod's root, so files the container creates belong to its uids on the host; the
 * layer copies are dropped again once the overlay holds them;</li>
 * <li>a bind rootfs and every host path volume get an idmapped copy under {@code <bundle>/idmapped/}, which replaces
 * the volume's source, so that removing the bundle's mounts removes them.</li>
 * </ul>
 * Image volumes (read-only overlay views) are bound unmapped: their files show the overflow owner, readable where
 * the image lets anyone read.
 */
final class IdmappedMounts {
    static final String DIR = "idmapped";

    private IdmappedMounts() {
    }

    /**
     * Mounts {@code rootfs} on {@code target} as the pod's user namespace sees it; on failure nothing stays mounted
     * on {@code target}.
     *
     * @throws BerthException FAILED_PRECONDITION when a layer's file system cannot be idmapped
     */
    static void mountRootfs(List<Mount> rootfs, Path target, Path bundle, PodContext pod) throws IOException {
        Path userns = Path.of(pod.usernsPath());
        Path dir = Files.createDirectories(bundle.resolve(DIR));
        int mounted = 0;
        try {
            for (Mount m : rootfs) {
                Mount r = m.resolved();
                switch (r.type()) {
                    case "overlay" -> overlay(r, target, dir, userns, pod);
                    case "bind", "rbind" -> IdmappedMount.attach(Path.of(r.source()), target, userns,
                            r.options().contains("rbind") || r.type().equals("rbind"), r.readOnly());
                    default -> throw new BerthException(ErrorKind.FAILED_PRECONDITION, "a container in a user "
                            + "namespace needs an overlay or bind root file system, not " + r.type());
                }
                mounted++;
            }
        } catch (RuntimeException | IOException e) {
            for (int i = 0; i < mounted; i++) {
                try {
                    Mounts.unmount(target);
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    private static void overlay(Mount m, Path target, Path dir, Path userns, PodContext pod) throws IOException {
        List<String> options = new ArrayList<>(m.options().size());
        List<Path> layers = new ArrayList<>();
        try {
            for (String o : m.options()) {
                if (o.startsWith("lowerdir=")) {
                    List<String> mapped = new ArrayList<>();
                    for (String lower : o.substring("lowerdir=".length()).split(":")) {
                        Path copy = Files.createDirectories(dir.resolve("layer-" + layers.size()));
                        IdmappedMount.attach(Path.of(lower), copy, userns, false, false);
                        layers.add(copy);
                        mapped.add(copy.toString());
                    }
                    options.add("lowerdir=" + String.join(":", mapped));
                } else {
                    if (o.startsWith("upperdir=")) {
                        // the merged root is the upper dir: the pod's root must own it to write there
                        FileTrees.chown(Path.of(o.substring("upperdir=".length())), pod.userns().hostRootUid(),
                                pod.userns().hostRootGid());
                    }
                    options.add(o);
                }
            }
            Mounts.mount(new Mount(m.type(), m.source(), options), target);
        } finally {
            // the overlay holds private copies of its layers: ours can go, on success and failure alike
            for (Path layer : layers) {
                Mounts.unmount(layer);
                Files.deleteIfExists(layer);
            }
        }
    }

    /**
     * {@code spec} with each host path volume replaced by an idmapped copy under {@code <bundle>/idmapped/}; sources
     * that do not exist are left for the spec builder to refuse.
     *
     * @throws BerthException INVALID_ARGUMENT for a volume with mount propagation, which a copy cannot keep
     */
    static ContainerSpec volumes(ContainerSpec spec, Path bundle) throws IOException {
        Path userns = Path.of(spec.pod().usernsPath());
        List<ContainerMount> out = new ArrayList<>(spec.mounts().size());
        for (int i = 0; i < spec.mounts().size(); i++) {
            ContainerMount m = spec.mounts().get(i);
            Path source = m.hostPath().isEmpty() ? null : Path.of(m.hostPath()).toAbsolutePath().normalize();
            if (source == null || source.startsWith(bundle) || !Files.exists(source)) {
                out.add(m); // an image volume, or a missing path the spec builder names
                continue;
            }
            if (m.propagation() != ContainerMount.Propagation.PRIVATE) {
                throw BerthException.invalidArgument("mounts[%d].propagation %s: a volume of a pod with its own user "
                        + "namespace is an idmapped copy, which cannot propagate mounts; use PROPAGATION_PRIVATE", i,
                        m.propagation());
            }
            Path copy = bundle.resolve(DIR).resolve("volume-" + i);
            Files.createDirectories(copy.getParent());
            if (Files.isDirectory(source)) {
                Files.createDirectories(copy);
            } else if (!Files.exists(copy, LinkOption.NOFOLLOW_LINKS)) {
                Files.createFile(copy);
            }
            IdmappedMount.attach(source, copy, userns, true, false);
            out.add(new ContainerMount(m.containerPath(), copy.toString(), m.readOnly(), m.propagation(),
                    m.recursiveReadOnly()));
        }
        return spec.withMounts(out);
    }
}
