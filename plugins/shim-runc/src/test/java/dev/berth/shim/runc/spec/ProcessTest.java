package dev.berth.shim.runc.spec;

import static dev.berth.shim.runc.spec.SpecFixture.strings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.runtime.ImageProcess;
import dev.berth.core.runtime.Resources;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessTest {
    @TempDir
    Path dir;
    Path rootfs;
    final SpecFixture f = new SpecFixture();

    @BeforeEach
    void setUp() throws Exception {
        rootfs = SpecFixture.rootfs(dir);
    }

    private JsonObject process() {
        return f.build(rootfs).getAsJsonObject("process");
    }

    @Test
    void imageEntrypointAndCmdWhenContainerGivesNothing() {
        assertThat(strings(process().getAsJsonArray("args"))).containsExactly("/bin/server", "--port", "80");
    }

    @Test
    void containerArgsReplaceOnlyCmd() {
        f.args = List.of("--port", "8080");
        assertThat(strings(process().getAsJsonArray("args"))).containsExactly("/bin/server", "--port", "8080");
    }

    @Test
    void containerCommandReplacesEntrypointAndDropsCmd() {
        f.command = List.of("/bin/other");
        assertThat(strings(process().getAsJsonArray("args"))).containsExactly("/bin/other");
    }

    @Test
    void containerCommandAndArgs() {
        f.command = List.of("/bin/sh");
        f.args = List.of("-c", "echo hi");
        assertThat(strings(process().getAsJsonArray("args"))).containsExactly("/bin/sh", "-c", "echo hi");
    }

    @Test
    void cmdAloneWhenImageHasNoEntrypoint() {
        f.image = new ImageProcess(List.of(), List.of("sh"), List.of(), "", "", "");
        assertThat(strings(process().getAsJsonArray("args"))).containsExactly("sh");
    }

    @Test
    void noCommandAnywhereIsInvalid() {
        f.image = ImageProcess.none();
        assertThatThrownBy(this::process).isInstanceOf(BerthException.class)
                .hasMessage("no command: neither the container (command/args) nor the image (Entrypoint/Cmd) gives one")
                .extracting(e -> ((BerthException) e).kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
    }

    @Test
    void containerEnvOverridesImageEnvByNameAndDefaultsAreAdded() {
        f.image = new ImageProcess(List.of("/x"), List.of(), List.of("A=1", "B=2"), "", "", "");
        f.env = List.of("B=3", "C=4");
        assertThat(strings(process().getAsJsonArray("env"))).containsExactly("A=1", "B=3", "C=4",
                "PATH=" + ProcessEnv.DEFAULT_PATH, "HOSTNAME=pod-host");
    }

    @Test
    void imagePathIsKeptAndNoHostnameWhenUnknown() {
        f.image = new ImageProcess(List.of("/x"), List.of(), List.of("PATH=/opt/bin"), "", "", "");
        f.hostname = "";
        assertThat(strings(process().getAsJsonArray("env"))).containsExactly("PATH=/opt/bin");
    }

    @Test
    void cwdPrefersContainerThenImageThenRoot() {
        assertThat(process().get("cwd").getAsString()).isEqualTo("/");
        f.image = new ImageProcess(List.of("/x"), List.of(), List.of(), "", "/srv", "");
        assertThat(process().get("cwd").getAsString()).isEqualTo("/srv");
        f.workingDir = "/work";
        assertThat(process().get("cwd").getAsString()).isEqualTo("/work");
        f.workingDir = "relative";
        assertThatThrownBy(this::process).hasMessageContaining("working_dir relative");
    }

    @Test
    void terminalRlimitsAndAnnotations() {
        f.tty = true;
        f.annotations = Map.of("a", "b");
        JsonObject spec = f.build(rootfs);
        JsonObject process = spec.getAsJsonObject("process");
        assertThat(process.get("terminal").getAsBoolean()).isTrue();
        JsonObject nofile = process.getAsJsonArray("rlimits").get(0).getAsJsonObject();
        assertThat(nofile.get("type").getAsString()).isEqualTo("RLIMIT_NOFILE");
        assertThat(nofile.get("soft").getAsLong()).isEqualTo(1048576);
        assertThat(nofile.get("hard").getAsLong()).isEqualTo(1048576);
        JsonObject annotations = spec.getAsJsonObject("annotations");
        assertThat(annotations.get("a").getAsString()).isEqualTo("b");
        assertThat(annotations.get("io.kubernetes.cri.container-name").getAsString()).isEqualTo("main");
        assertThat(annotations.get("io.kubernetes.cri.sandbox-id").getAsString()).isEqualTo("sb1");
        assertThat(spec.get("ociVersion").getAsString()).startsWith("1.0.2");
        assertThat(spec.getAsJsonObject("root").get("path").getAsString()).isEqualTo(rootfs.toString());
        assertThat(spec.get("hostname").getAsString()).isEqualTo("pod-host");
    }

    @Test
    void openFilesLimitStaysWithinWhatTheHostAllows() {
        f.kernel = new HostKernel(false, 40, 20000);
        JsonObject nofile = process().getAsJsonArray("rlimits").get(0).getAsJsonObject();
        assertThat(nofile.get("soft").getAsLong()).isEqualTo(20000);
        assertThat(nofile.get("hard").getAsLong()).isEqualTo(20000);
    }

    @Test
    void oomScoreAdjIsClampedToTheHostMinimum() {
        f.defaults = new SpecDefaults(false, false, -500, "/berth");
        f.resources = new Resources(0, 0, 0, 0, -997, "", "", Map.of(), Map.of(), 0);
        assertThat(process().get("oomScoreAdj").getAsInt()).isEqualTo(-500);
        f.resources = new Resources(0, 0, 0, 0, 1000, "", "", Map.of(), Map.of(), 0);
        assertThat(process().get("oomScoreAdj").getAsInt()).isEqualTo(1000);
        f.defaults = new SpecDefaults(false, false, -1000, "/berth");
        f.resources = new Resources(0, 0, 0, 0, -997, "", "", Map.of(), Map.of(), 0);
        assertThat(process().get("oomScoreAdj").getAsInt()).isEqualTo(-997);
    }
}
