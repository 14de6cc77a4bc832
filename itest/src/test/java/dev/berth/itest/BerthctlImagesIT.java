package dev.berth.itest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.itest.registry.LocalRegistry;
import dev.berth.itest.registry.Registries;
import dev.berth.itest.registry.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** berthctl pull, images, inspecti and rmi against a real berthd and a real registry, as an operator types them. */
@ExtendWith({Daemons.class, Registries.Extension.class})
class BerthctlImagesIT {
    @Test
    void pullListInspectRemove(Daemons.Session s, Registries r) throws Exception {
        LocalRegistry reg = r.start();
        TestImages.Pushed busybox = reg.push(r.build(TestImages.busybox(), "1"), "busybox:1");
        Berthd d = s.start(s.config());
        String sock = d.socket().toString();

        Berthctl.Result pull = Berthctl.run("-r", sock, "pull", busybox.reference());
        assertThat(pull.exitCode()).as(pull.output()).isZero();
        assertThat(pull.output()).contains(busybox.configDigest());

        Berthctl.Result images = Berthctl.run("-r", sock, "images");
        assertThat(images.output()).containsPattern("IMAGE +TAG +DIGEST +IMAGE ID +SIZE")
                .containsPattern(reg.host().replace(".", "\\.") + "/busybox +1 +" + busybox.digest().substring(7, 20)
                        + " +" + busybox.configDigest().substring(7, 20) + " +[0-9.]+[kM]B");
        assertThat(Berthctl.run("-r", sock, "images", "-q").output().trim()).isEqualTo(busybox.configDigest());
        assertThat(Berthctl.run("-r", sock, "images", "-o", "json").output()).contains("\"repoTags\"", busybox.reference());

        Berthctl.Result inspect = Berthctl.run("-r", sock, "inspecti", busybox.reference());
        assertThat(inspect.exitCode()).isZero();
        assertThat(inspect.output()).contains("imageSpec", "\"username\": \"app\"");

        Berthctl.Result rmi = Berthctl.run("-r", sock, "rmi", busybox.reference());
        assertThat(rmi.exitCode()).isZero();
        Berthctl.Result gone = Berthctl.run("-r", sock, "inspecti", busybox.reference());
        assertThat(gone.exitCode()).isEqualTo(1);
        assertThat(gone.output()).contains("no such image");

        Berthctl.Result bad = Berthctl.run("-r", sock, "pull", "Not/Valid");
        assertThat(bad.exitCode()).isEqualTo(1);
        assertThat(bad.output()).contains("INVALID_ARGUMENT", "Not/Valid");
    }
}
