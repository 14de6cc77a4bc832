package dev.berth.cri.sandboxes;

import dev.berth.api.cri.v1.ImageSpec;
import dev.berth.api.cri.v1.PullImageRequest;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.sandbox.InfraContainer;
import dev.berth.cri.images.ImageRecord;
import dev.berth.cri.images.Images;
import dev.berth.cri.snapshots.Snapshotters;
import java.util.Optional;
import java.util.function.Function;

/**
 * The configured {@code sandbox_image} as the infra container of pods whose runtime handler is in image mode. The
 * image is pulled the first time a pod needs it, through the image service like any PullImage (so registry mirrors,
 * auth and TLS settings apply, and it is unpacked and reported pinned), then only looked up. The CRI layer stops
 * there: running it is the sandbox controller's job, from the {@link InfraContainer} this hands it.
 */
public final class SandboxImage implements Function<RuntimeHandler, InfraContainer> {
    private final Images images;
    private final String name;
    private final Snapshotters snapshotters;
    /** One first-use pull at a time: concurrent pods wait for it instead of pulling the same image again. */
    private final Object pullLock = new Object();

    /**
     * @param images      the image service, or null when none runs (pods in image mode then fail, saying why)
     * @param name        the {@code sandbox_image} setting
     * @param snapshotters the snapshotter of each runtime handler, where the image is unpacked for its pods
     */
    public SandboxImage(Images images, String name, Snapshotters snapshotters) {
        this.images = images;
        this.name = name;
        this.snapshotters = snapshotters;
    }

    /**
     * The infra container for a pod of {@code handler}: the image, pulled if absent and unpacked into the handler's
     * snapshotter if it is not there yet, run by the handler's runtime.
     *
     * @throws BerthException FAILED_PRECONDITION when there is no image service or snapshotter, or the registry has no
     *         such image; otherwise the pull's own kind (e.g. UNAVAILABLE for an unreachable registry); each names
     *         {@code sandbox_image}
     */
    @Override
    public InfraContainer apply(RuntimeHandler handler) {
        if (images == null) {
            throw BerthException.failedPrecondition("runtime handler \"%s\" runs sandbox_image %s in every pod, but no"
                    + " image service runs (see berthctl plugins ls)", handler.name(), name);
        }
        ImageRecord image = present(handler);
        String snapshotter = snapshotters.idOf(handler);
        String parent;
        try {
            parent = images.unpacked(image, snapshotter);
        } catch (BerthException e) {
            throw new BerthException(e.kind(), "sandbox_image " + name + ": " + e.getMessage(), e);
        }
        return new InfraContainer(name, image.id(), snapshotter, parent, images.config(image).process(),
                handler.runtime(), handler.runtimePath());
    }

    private ImageRecord present(RuntimeHandler handler) {
        Optional<ImageRecord> found = images.resolve(name);
        if (found.isPresent()) {
            return found.get();
        }
        synchronized (pullLock) {
            found = images.resolve(name);
            if (found.isEmpty()) {
                pull(handler);
                found = images.resolve(name);
            }
        }
        return found.orElseThrow(() -> new BerthException(ErrorKind.INTERNAL, "sandbox_image " + name
                + " was pulled but is not recorded"));
    }

    /** Pulls for {@code handler}, so the layers go straight into its snapshotter. */
    private void pull(RuntimeHandler handler) {
        try {
            images.pull(PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(name)
                    .setRuntimeHandler(handler.name())).build());
        } catch (BerthException e) {
            // the node's configuration is wrong, not the pod: NOT_FOUND would say the pod's sandbox is missing
            ErrorKind kind = e.kind() == ErrorKind.NOT_FOUND ? ErrorKind.FAILED_PRECONDITION : e.kind();
            throw new BerthException(kind, "cannot pull sandbox_image " + name + ": " + e.getMessage(), e);
        }
    }
}
