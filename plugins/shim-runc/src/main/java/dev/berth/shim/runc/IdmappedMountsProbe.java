package dev.berth.shim.runc;

import dev.berth.core.fs.FileTrees;
import dev.berth.core.mount.IdmappedMount;
import dev.berth.core.mount.Mounts;
import dev.berth.core.sandbox.UserNamespace;
import dev.berth.core.sys.UserNamespaces;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether pods in user namespaces can work here: this kernel, on the file system of the shim's root (where image
 * layers live too, as a rule), must make idmapped mounts, tried once, for real, on a scratch directory (a user
 * namespace mapping uid 0 to the overflow uid, an idmapped copy of a root-owned directory, and a look at its owner);
 * and every directory above the shim's state directory must let others search it (see {@link StateDirAccess}).
 */
final class IdmappedMountsProbe implements BooleanSupplier {
    private static final Logger LOG = LoggerFactory.getLogger(IdmappedMountsProbe.class);
    private static final long PROBE_ID = 65534;

    private final Path root;
    private final Path state;
    private Boolean supported;

    IdmappedMountsProbe(Path root, Path state) {
        this.root = root;
        this.state = state;
    }

    /** Probes on the first call (once per runtime binary's features, so a handful of times at most). */
    @Override
    public synchronized boolean getAsBoolean() {
        if (supported == null) {
            supported = probe();
        }
        return supported;
    }

    private boolean probe() {
        Path work = root.resolve("idmap-probe");
        try {
            Optional<Path> closed = StateDirAccess.unsearchableAncestor(state);
            if (closed.isPresent()) {
                LOG.warn("{} does not let others search it (chmod o+x): containers in user namespaces could not reach "
                        + "their root file systems under {}, so pods in user namespaces are not supported",
                        closed.get(), state);
                return false;
            }
            FileTrees.deleteRecursively(work);
            Path source = Files.createDirectories(work.resolve("source"));
            Path copy = Files.createDirectories(work.resolve("copy"));
            Path userns = work.resolve("userns");
            UserNamespace ids = new UserNamespace(List.of(new UserNamespace.IdMapping(0, PROBE_ID, 1)),
                    List.of(new UserNamespace.IdMapping(0, PROBE_ID, 1)));
            UserNamespaces.create(ids, userns, Map.of());
            try {
                IdmappedMount.attach(source, copy, userns, false, false);
                try {
                    int owner = (Integer) Files.getAttribute(copy, "unix:uid", LinkOption.NOFOLLOW_LINKS);
                    if (owner != PROBE_ID) {
                        LOG.warn("idmapped mount probe: the copy is owned by {}, not {}: pods in user namespaces are "
                                + "not supported", owner, PROBE_ID);
                        return false;
                    }
                } finally {
                    Mounts.unmount(copy);
                }
            } finally {
                Mounts.unmount(userns);
            }
            LOG.info("idmapped mounts work on {}: pods may have user namespaces of their own", root);
            return true;
        } catch (IOException | RuntimeException e) {
            LOG.warn("idmapped mounts do not work on {} ({}): pods in user namespaces are not supported", root,
                    e.getMessage());
            return false;
        } finally {
            try {
                FileTrees.deleteRecursively(work);
            } catch (IOException e) {
                LOG.debug("idmap probe: cannot remove {}: {}", work, e.getMessage());
            }
        }
    }
}
