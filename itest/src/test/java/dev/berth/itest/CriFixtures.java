package dev.berth.itest;

import dev.berth.api.cri.v1.ImageSpec;
import dev.berth.api.cri.v1.PullImageRequest;
import dev.berth.itest.registry.LocalRegistry;
import dev.berth.itest.registry.Registries;
import dev.berth.itest.registry.TestImages;

/** What the container itests set up the same way. */
final class CriFixtures {
    private CriFixtures() {
    }

    /** Starts a local registry, pushes the busybox test image and pulls it into {@code d}; returns its reference. */
    static String pushAndPullBusybox(Berthd d, Registries r) throws Exception {
        LocalRegistry reg = r.start();
        TestImages.Pushed pushed = reg.push(r.build(TestImages.busybox(), "1"), "busybox:1");
        d.images().pullImage(PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(pushed.reference())).build());
        return pushed.reference();
    }
}
