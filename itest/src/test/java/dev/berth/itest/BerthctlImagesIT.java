package dev.berth.itest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.itest.registry.LocalRegistry;
import dev.berth.itest.registry.Registries;
import dev.berth.itest.registry.TestImages;
import dev.berth.itest.registry.ThrottledProxy;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
        assertThat(Berthctl.run("-r", sock, "images", "-o", "yaml").output())
                .contains("images:\n- id: " + busybox.configDigest() + "\n", "  repoTags:\n  - " + busybox.reference() + "\n");

        Berthctl.Result inspect = Berthctl.run("-r", sock, "inspecti", busybox.reference());
        assertThat(inspect.exitCode()).isZero();
        assertThat(inspect.output()).contains("imageSpec", "\"username\": \"app\"");
        assertThat(Berthctl.run("-r", sock, "inspecti", "-o", "yaml", busybox.reference()).output())
                .contains("  username: app\n", "imageSpec:");

        Berthctl.Result rmi = Berthctl.run("-r", sock, "rmi", busybox.reference());
        assertThat(rmi.exitCode()).isZero();
        Berthctl.Result gone = Berthctl.run("-r", sock, "inspecti", busybox.reference());
        assertThat(gone.exitCode()).isEqualTo(1);
        assertThat(gone.output()).contains("no such image");

        Berthctl.Result bad = Berthctl.run("-r", sock, "pull", "Not/Valid");
        assertThat(bad.exitCode()).isEqualTo(1);
        assertThat(bad.output()).contains("INVALID_ARGUMENT", "Not/Valid");
    }

    /** Not on a terminal, pull prints a line per second with the bytes so far (from the admin API's ingests). */
    @Test
    void pullShowsProgressLinesWithGrowingByteCounts(Daemons.Session s, Registries r) throws Exception {
        LocalRegistry reg = r.start();
        TestImages.Pushed big = reg.push(r.build(TestImages.busybox().randomLayer("data/big.bin", 12 << 20, 7), "1"), "big:1");
        ThrottledProxy proxy = r.throttle(reg, 3L << 20); // about four seconds for the layer
        Berthd d = s.start(s.config());
        String sock = d.socket().toString();

        Berthctl.Result pull = Berthctl.run("-r", sock, "pull", proxy.host() + "/big:1");
        System.out.print(pull.output());
        assertThat(pull.exitCode()).as(pull.output()).isZero();
        assertThat(pull.output()).contains("Image is up to date for " + big.configDigest()).doesNotContain("\033");
        List<long[]> counts = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^progress: (\\d+)/(\\d+) bytes \\((\\d+)%\\)").matcher(pull.output());
        while (m.find()) {
            counts.add(new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3))});
        }
        assertThat(counts).as(pull.output()).hasSizeGreaterThanOrEqualTo(3);
        for (int i = 1; i < counts.size() - 1; i++) { // a line only when the bytes moved; the final one always
            assertThat(counts.get(i)[0]).as("line %d of %s", i, pull.output()).isGreaterThan(counts.get(i - 1)[0]);
        }
        long[] last = counts.get(counts.size() - 1);
        assertThat(last[0]).isGreaterThanOrEqualTo(counts.get(counts.size() - 2)[0]);
        assertThat(last[2]).isEqualTo(100);
        assertThat(last[0]).isEqualTo(last[1]).isGreaterThanOrEqualTo(12 << 20); // at least the big layer
        assertThat(counts.get(0)[2]).isLessThan(100);

        Berthctl.Result again = Berthctl.run("-r", sock, "pull", "-q", proxy.host() + "/big:1");
        assertThat(again.exitCode()).isZero();
        assertThat(again.output()).isEqualTo("Image is up to date for " + big.configDigest() + "\n");
    }
}
