package dev.berth.shim.runc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.core.process.ProcessRunner;
import dev.berth.core.runtime.RuntimeFeatures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RuntimeFeaturesProbeTest {
    @TempDir
    Path dir;

    @Test
    void rroAmongMountOptionsMeansRecursiveReadOnly() {
        RuntimeFeatures f = RuntimeFeaturesProbe.parse("""
                {"ociVersionMin": "1.0.0", "mountOptions": ["bind", "ro", "rro", "rrw"],
                 "linux": {"namespaces": ["ipc", "network"]}}""");
        assertThat(f).isEqualTo(new RuntimeFeatures(true, false));
    }

    @Test
    void aUserNamespaceAmongTheNamespacesMeansUserNamespaces() {
        assertThat(RuntimeFeaturesProbe.parse("{\"linux\": {\"namespaces\": [\"pid\", \"user\"]}}"))
                .isEqualTo(new RuntimeFeatures(false, true));
        assertThat(RuntimeFeaturesProbe.parse("{\"linux\": {\"namespaces\": \"user\"}}")).isEqualTo(RuntimeFeatures.NONE);
    }

    @Test
    void userNamespacesAlsoNeedIdmappedMounts() throws Exception {
        Path runtime = script("runtime", "echo '{\"linux\": {\"namespaces\": [\"user\"]}}'\n");
        assertThat(new RuntimeFeaturesProbe(new ProcessRunner(), () -> true).of(runtime).userNamespaces()).isTrue();
        assertThat(new RuntimeFeaturesProbe(new ProcessRunner(), () -> false).of(runtime).userNamespaces()).isFalse();
    }

    @Test
    void withoutRroOrWithoutMountOptionsNothingExtra() {
        assertThat(RuntimeFeaturesProbe.parse("{\"mountOptions\": [\"ro\", \"rbind\"]}")).isEqualTo(RuntimeFeatures.NONE);
        assertThat(RuntimeFeaturesProbe.parse("{\"ociVersionMin\": \"1.0.0\"}")).isEqualTo(RuntimeFeatures.NONE);
        assertThat(RuntimeFeaturesProbe.parse("{\"mountOptions\": \"rro\"}")).isEqualTo(RuntimeFeatures.NONE);
    }

    @Test
    void somethingOtherThanJsonMeansNothingExtra() {
        assertThat(RuntimeFeaturesProbe.parse("No help topic for 'features'")).isEqualTo(RuntimeFeatures.NONE);
        assertThat(RuntimeFeaturesProbe.parse("[\"rro\"]")).isEqualTo(RuntimeFeatures.NONE);
        assertThat(RuntimeFeaturesProbe.parse("")).isEqualTo(RuntimeFeatures.NONE);
    }

    @Test
    void asksEachBinaryOnce() throws Exception {
        Path calls = dir.resolve("calls");
        Path runtime = script("runtime", "echo x >> " + calls + "\n"
                + "[ \"$1\" = features ] && echo '{\"mountOptions\": [\"rro\"]}'\n");
        RuntimeFeaturesProbe probe = new RuntimeFeaturesProbe(new ProcessRunner(), () -> true);
        assertThat(probe.of(runtime).recursiveReadOnlyMounts()).isTrue();
        assertThat(probe.of(runtime).recursiveReadOnlyMounts()).isTrue();
        assertThat(Files.readAllLines(calls)).hasSize(1);
    }

    @Test
    void aRuntimeWithoutTheCommandSupportsNothingExtra() throws Exception {
        Path old = script("old-runc", "echo \"No help topic for '$1'\" >&2\nexit 3\n");
        assertThat(new RuntimeFeaturesProbe(new ProcessRunner(), () -> true).of(old)).isEqualTo(RuntimeFeatures.NONE);
        assertThat(new RuntimeFeaturesProbe(new ProcessRunner(), () -> true).of(dir.resolve("absent")))
                .isEqualTo(RuntimeFeatures.NONE);
    }

    private Path script(String name, String body) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }
}
