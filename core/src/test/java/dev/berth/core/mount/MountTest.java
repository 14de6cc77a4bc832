package dev.berth.core.mount;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class MountTest {
    @Test
    void resolvedMakesOverlayPathsAbsolute() {
        Mount m = new Mount("overlay", "overlay",
                List.of("index=off", "workdir=3/work", "upperdir=3/fs", "lowerdir=2/fs:1/fs"), Path.of("/var/s"));
        Mount abs = m.resolved();
        assertThat(abs.baseDir()).isNull();
        assertThat(abs.source()).isEqualTo("overlay");
        assertThat(abs.options()).containsExactly("index=off", "workdir=/var/s/3/work", "upperdir=/var/s/3/fs",
                "lowerdir=/var/s/2/fs:/var/s/1/fs");
        assertThat(m.readOnly()).isFalse();
        assertThat(m.data()).isEqualTo("index=off,workdir=3/work,upperdir=3/fs,lowerdir=2/fs:1/fs");
    }

    @Test
    void readOnlyFromOptionsOrMissingUpper() {
        assertThat(new Mount("bind", "/x", List.of("rbind", "ro")).readOnly()).isTrue();
        assertThat(new Mount("bind", "/x", List.of("rbind", "rw")).readOnly()).isFalse();
        assertThat(new Mount("overlay", "overlay", List.of("lowerdir=/a:/b")).readOnly()).isTrue();
    }

    @Test
    void absoluteMountResolvesToItself() {
        Mount m = new Mount("bind", "/x", List.of("rbind"));
        assertThat(m.resolved()).isSameAs(m);
    }
}
