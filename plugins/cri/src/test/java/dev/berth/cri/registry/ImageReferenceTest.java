package dev.berth.cri.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.content.Digest;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ImageReferenceTest {
    private static final String HEX = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private static final String TOO_LONG_TAG = "t" + HEX + HEX; // 129 characters

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "busybox                         | docker.io/library/busybox:latest",
        "busybox:1.36                    | docker.io/library/busybox:1.36",
        "user/img                        | docker.io/user/img:latest",
        "docker.io/busybox               | docker.io/library/busybox:latest",
        "index.docker.io/library/busybox | docker.io/library/busybox:latest",
        "registry.k8s.io/pause:3.10      | registry.k8s.io/pause:3.10",
        "127.0.0.1:5000/a/b:v1           | 127.0.0.1:5000/a/b:v1",
        "localhost/x                     | localhost/x:latest",
        "localhost:5000/x/y/z            | localhost:5000/x/y/z:latest",
        "[::1]:5000/x                    | [::1]:5000/x:latest",
        "a.b-c.io/p__q/r-s--t/u.v_w:T_1.x-y | a.b-c.io/p__q/r-s--t/u.v_w:T_1.x-y",
    })
    void normalises(String in, String out) {
        assertThat(ImageReference.parse(in).toString()).isEqualTo(out);
    }

    @Test
    void keepsDigestAndTagTogether() {
        ImageReference r = ImageReference.parse("x:tag@sha256:" + HEX);
        assertThat(r.domain()).isEqualTo("docker.io");
        assertThat(r.path()).isEqualTo("library/x");
        assertThat(r.tag()).isEqualTo("tag");
        assertThat(r.digest()).isEqualTo(Digest.parse("sha256:" + HEX));
        assertThat(r.toString()).isEqualTo("docker.io/library/x:tag@sha256:" + HEX);
        assertThat(r.reference()).isEqualTo("sha256:" + HEX);

        ImageReference d = ImageReference.parse("host.example/x@sha256:" + HEX);
        assertThat(d.tag()).isNull();
        assertThat(d.toString()).isEqualTo("host.example/x@sha256:" + HEX);
        assertThat(d.repoTag()).isNull();
    }

    @Test
    void namesAndDerivedForms() {
        ImageReference r = ImageReference.parse("127.0.0.1:5000/a/b:v1");
        Digest dg = Digest.parse("sha256:" + HEX);
        assertThat(r.name()).isEqualTo("127.0.0.1:5000/a/b");
        assertThat(r.repoTag()).isEqualTo("127.0.0.1:5000/a/b:v1");
        assertThat(r.repoDigest(dg)).isEqualTo("127.0.0.1:5000/a/b@sha256:" + HEX);
        assertThat(r.withTag("v2").toString()).isEqualTo("127.0.0.1:5000/a/b:v2");
        assertThat(r.withDigest(dg).toString()).isEqualTo("127.0.0.1:5000/a/b:v1@sha256:" + HEX);
        assertThatThrownBy(() -> r.withTag("-bad")).isInstanceOf(BerthException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", "Busybox", "docker.io/Library/busybox", "busybox:", "busybox:-x", "busybox:" + TOO_LONG_TAG,
        "busybox@sha256:abc", "busybox@md5:" + HEX, "a//b", "a/", "/a", "a__-b", "a..b", "host:port/x",
        "busybox:tag@", "UPPER.io:5000/Repo", "a b", HEX, ":tag",
    })
    void rejects(String in) {
        assertThatThrownBy(() -> ImageReference.parse(in))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
                .hasMessageContaining("invalid image reference \"" + in + "\"");
    }

    @Test
    void uppercaseRepositoryIsExplained() {
        assertThatThrownBy(() -> ImageReference.parse("docker.io/User/img")).hasMessageContaining("must be lowercase");
    }

    @Test
    void nullIsRejected() {
        assertThatThrownBy(() -> ImageReference.parse(null)).isInstanceOf(BerthException.class);
    }

    @Test
    void idsAreNotReferences() {
        assertThat(ImageReference.looksLikeId(HEX)).isTrue();
        assertThat(ImageReference.looksLikeId("sha256:" + HEX)).isTrue();
        assertThat(ImageReference.looksLikeId(HEX.substring(1))).isFalse();
        assertThat(ImageReference.looksLikeId(HEX.toUpperCase())).isFalse();
        assertThat(ImageReference.looksLikeId("busybox")).isFalse();
        assertThat(ImageReference.looksLikeId(null)).isFalse();
    }
}
