package dev.berth.cri.containers;

import dev.berth.api.cri.v1.ContainerConfig;
import dev.berth.api.cri.v1.Mount;
import dev.berth.api.cri.v1.MountPropagation;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.snapshot.Snapshotter;
import dev.berth.cri.images.ImageRecord;
import dev.berth.cri.images.Images;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Image volumes (KEP-4639): the CRI mounts that name an image instead of a host path. Checks them as the CRI's
 * field comments ask (the kubelet has pulled the image; the mount is read-only by definition; a sub path stays
 * inside the image), and makes and removes the read-only snapshot views of the images that the shim mounts.
 *
 * <p>A view's key is derived from the container id and the mount's index, so RemoveContainer and start-up recovery
 * find it from the container record alone. Like every view it is a garbage-collection root that holds its image's
 * layers, so RemoveImage of a mounted image removes the image's record at once (ListImages no longer shows it, as
 * for an image a running container was made from) while the layers stay until the last container using them goes.
 */
final class ImageVolumes {
    private static final String KEY_INFIX = "/image-volume/";
    private static final Pattern KEY = Pattern.compile("([0-9a-f]{64})" + Pattern.quote(KEY_INFIX) + "\\d+");

    private ImageVolumes() {
    }

    /** Whether CRI mount {@code m} is an image volume. */
    static boolean isImage(Mount m) {
        return m.hasImage() && !m.getImage().getImage().isEmpty();
    }

    /**
     * Checks the image volumes among {@code mounts} and finds their images, before anything is made.
     *
     * @param resolve finds a pulled image by name or id
     * @return each image volume's image by mount index
     * @throws BerthException INVALID_ARGUMENT naming the field; NOT_FOUND naming an image that is not pulled;
     *                        FAILED_PRECONDITION for one that was pulled without being unpacked
     */
    static Map<Integer, ImageRecord> resolve(List<Mount> mounts, Function<String, Optional<ImageRecord>> resolve) {
        Map<Integer, ImageRecord> out = new LinkedHashMap<>();
        for (int i = 0; i < mounts.size(); i++) {
            Mount m = mounts.get(i);
            if (!isImage(m)) {
                if (!m.getImageSubPath().isEmpty()) {
                    throw BerthException.invalidArgument("config.mounts[%d].image_sub_path is set but image is not: a sub"
                            + " path only applies to an image volume", i);
                }
                continue;
            }
            check(m, i);
            String ref = m.getImage().getImage();
            int index = i;
            ImageRecord image = resolve.apply(ref).orElseThrow(() -> BerthException.notFound(
                    "config.mounts[%d].image: image \"%s\" not found: the kubelet pulls image volumes before it creates"
                            + " the container", index, ref));
            if (image.snapshot().isEmpty()) {
                throw BerthException.failedPrecondition("config.mounts[%d].image: image \"%s\" (%s) was pulled but not"
                        + " unpacked; pull it again with a snapshotter running", i, ref, image.id());
            }
            out.put(i, image);
        }
        return out;
    }

    /** As {@link #resolve(List, Function)} against the image service. */
    static Map<Integer, ImageRecord> resolve(List<Mount> mounts, Images images) {
        return resolve(mounts, images::resolve);
    }

    private static void check(Mount m, int i) {
        if (!m.getHostPath().isEmpty()) {
            throw BerthException.invalidArgument("config.mounts[%d]: host_path \"%s\" and image \"%s\" exclude each other",
                    i, m.getHostPath(), m.getImage().getImage());
        }
        if (m.getPropagation() != MountPropagation.PROPAGATION_PRIVATE) {
            throw BerthException.invalidArgument("config.mounts[%d].propagation: an image volume is read-only and private,"
                    + " not %s", i, m.getPropagation());
        }
        String sub = m.getImageSubPath();
        if (sub.startsWith("/") || sub.indexOf('\0') >= 0) {
            throw BerthException.invalidArgument("config.mounts[%d].image_sub_path \"%s\" must be a relative path inside"
                    + " the image", i, sub.replace('\0', '?'));
        }
        for (String part : sub.split("/")) {
            if (part.equals("..")) {
                throw BerthException.invalidArgument("config.mounts[%d].image_sub_path \"%s\" must stay inside the image:"
                        + " it may not contain \"..\"", i, sub);
            }
        }
    }

    /**
     * Makes a read-only view of each image for container {@code id}; if one fails, those made go again.
     *
     * @return each view's mounts by mount index
     */
    static Map<Integer, List<dev.berth.core.mount.Mount>> prepare(Snapshotter snapshots, String id,
                                                                  Map<Integer, ImageRecord> images) {
        Map<Integer, List<dev.berth.core.mount.Mount>> out = new LinkedHashMap<>();
        try {
            for (Map.Entry<Integer, ImageRecord> e : images.entrySet()) {
                out.put(e.getKey(), snapshots.view(key(id, e.getKey()), e.getValue().snapshot(), Map.of()));
            }
        } catch (RuntimeException e) {
            out.keySet().forEach(i -> removeQuietly(snapshots, key(id, i), e));
            throw e;
        }
        return out;
    }

    /** Removes the views of container {@code id} made from {@code config}; those already gone are fine. */
    static void remove(Snapshotter snapshots, String id, ContainerConfig config) {
        List<Mount> mounts = config.getMountsList();
        for (int i = 0; i < mounts.size(); i++) {
            if (isImage(mounts.get(i))) {
                try {
                    snapshots.remove(key(id, i));
                } catch (BerthException e) {
                    if (e.kind() != ErrorKind.NOT_FOUND) {
                        throw e;
                    }
                }
            }
        }
    }

    /** The snapshot key of the view for mount {@code index} of container {@code id}. */
    static String key(String id, int index) {
        return id + KEY_INFIX + index;
    }

    /** The container id of an image volume view's key; null for any other key. */
    static String owner(String key) {
        Matcher m = KEY.matcher(key);
        return m.matches() ? m.group(1) : null;
    }

    /** What ContainerStatus reports of a mount: an image volume as it is, read-only. */
    static Mount reported(Mount m) {
        return isImage(m) && !m.getReadonly() ? m.toBuilder().setReadonly(true).build() : m;
    }

    private static void removeQuietly(Snapshotter snapshots, String key, RuntimeException cause) {
        try {
            snapshots.remove(key);
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
        }
    }
}
