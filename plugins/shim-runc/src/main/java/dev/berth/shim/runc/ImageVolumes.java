package dev.berth.shim.runc;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.mount.Mounts;
import dev.berth.core.runtime.ContainerMount;
import dev.berth.core.runtime.ContainerSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Image volumes (KEP-4639): mounts each one's read-only image view on {@code <bundle>/image-volumes/<n>} and turns
 * it into a read-only, private bind of that directory (or of its sub path), which runc then makes like any other.
 * The mounts live under the bundle, so removing the container's runtime state, after a failed create too, unmounts
 * them with the rootfs.
 */
final class ImageVolumes {
    static final String DIR = "image-volumes";

    private ImageVolumes() {
    }

    /**
     * {@code spec} with its image volumes mounted under {@code bundle} and replaced by binds of them; itself when it
     * has none. On failure, what was mounted stays under the bundle for the caller's clean-up.
     *
     * @throws BerthException INVALID_ARGUMENT naming the mount when its sub path is not in the image
     */
    static ContainerSpec mount(ContainerSpec spec, Path bundle) throws IOException {
        if (spec.mounts().stream().noneMatch(ContainerMount::isImage)) {
            return spec;
        }
        List<ContainerMount> out = new ArrayList<>(spec.mounts().size());
        for (int i = 0; i < spec.mounts().size(); i++) {
            ContainerMount m = spec.mounts().get(i);
            if (!m.isImage()) {
                out.add(m);
                continue;
            }
            Path dir = Files.createDirectories(bundle.resolve(DIR).resolve(Integer.toString(i)));
            Mounts.mount(m.image(), dir);
            int index = i;
            Path source = ScopedPath.resolve(dir, m.imageSubPath()).orElseThrow(() -> BerthException.invalidArgument(
                    "mounts[%d].image_sub_path \"%s\" does not exist in the image", index, m.imageSubPath()));
            out.add(new ContainerMount(m.containerPath(), source.toString(), true, ContainerMount.Propagation.PRIVATE,
                    m.recursiveReadOnly()));
        }
        return spec.withMounts(out);
    }
}
